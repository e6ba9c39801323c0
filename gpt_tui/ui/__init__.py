"""The Textual front end. It owns no data: it shows what the chat service holds."""
