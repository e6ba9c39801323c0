"""The request parameters: what each one is, which models take it, and how typed text becomes a
value.
"""
