"""JSON routers under /api/v1, and file exports."""
