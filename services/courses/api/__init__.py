"""The courses service's HTTP API, one mixin per area; services/courses/service.py composes them."""
