"""The services the app and the commands are handed: the turn engine and conversation owner, and
titles.
"""
