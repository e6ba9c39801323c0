"""config.toml: the settings types, loading and profile resolution, checks with file and line, and
writing; presets, proxies and key commands.
"""
