"""Chat backends: the OpenAI SDK client and the offline demo model."""
