"""config.toml: the settings types, loading, profile and key resolution, value checks with
file and line, the line scanner and the first-run writer; presets, proxies, key commands,
and which model new chats start on.
"""
