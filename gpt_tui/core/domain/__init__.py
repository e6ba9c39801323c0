"""What a conversation is: messages, their tree of branches, parameters, usage, and merging two
saved versions. Plain data, no I/O.
"""
