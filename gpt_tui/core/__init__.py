"""Domain logic: configuration, models, storage, providers and the chat service.

Nothing under this package imports textual, rich or the UI package (an import-linter
contract checks it), so the whole chat flow can be driven from scripts and tests.
"""
