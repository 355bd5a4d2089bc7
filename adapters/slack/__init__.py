"""Slack adapter: renders the neutral model to Block Kit and talks to Slack."""
