"""What lives in the data folder: conversation files, the search index, the usage ledger, and the
crash-safe file helpers they share.
"""
