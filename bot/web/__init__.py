"""The web side: webhooks for the channels, and the staff desk."""
