"""HTML pages; they call the same query functions as the API."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
