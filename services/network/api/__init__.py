"""The network service's HTTP API, one mixin per area; services/network/service.py composes them."""
