"""HTTP API mixins of the notifications service."""
