"""The roles service's HTTP API, one mixin per area, composed in services/roles/service.py."""
