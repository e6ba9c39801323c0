"""What the next request sends and what it costs: history selection, the request builder, token
counts, prices, and the request as code.
"""
