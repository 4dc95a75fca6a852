"""Placeholder: filled in by the page family's author."""

from fastapi import APIRouter

router = APIRouter()
