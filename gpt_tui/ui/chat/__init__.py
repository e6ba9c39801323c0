"""The pieces of the chat screen: its palette commands, the turns it runs, drafts, and the
actions on conversations and on messages (:mod:`gpt_tui.ui.screens.chat` puts them together).
"""
