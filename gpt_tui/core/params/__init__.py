"""The request parameters: their one spec (names, rules, hints, keys), the value types
below the domain, which models take them, role files' parameters, and the panel's form.
"""
