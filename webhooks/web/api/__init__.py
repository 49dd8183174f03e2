"""The JSON API under `/api/`, for bearer-token clients scoped to one team."""
