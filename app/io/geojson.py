"""Records as JSON-ready dicts and GeoJSON features (RFC 7946: longitude first).

One builder per record kind, used by the API, the exports and the pages, so a deployment reads the
same everywhere. Precision is given by name and by ACLED's code so ACLED users can join data.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Row

from app.dates import certain_from, period_end
from app.models import (
    PRECISION_CODES,
    Actor,
    Citation,
    Deployment,
    Event,
    Force,
    Movement,
    Site,
    Source,
)
from app.models import Precision as _Precision
from app.queries import (
    WEAK_GRADES,
    CitationIndex,
    CitationRows,
    CitationSummary,
    Snapshot,
    shown_confidence,
)

Citations = CitationIndex


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def precision_code(precision: str | None) -> int | None:
    return PRECISION_CODES[_Precision(precision)] if precision else None


def point(site: Site | None) -> dict[str, Any] | None:
    if site is None or site.lat is None or site.lon is None:
        return None
    return {"type": "Point", "coordinates": [site.lon, site.lat]}


def feature_collection(features: Iterable[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", **extra, "features": list(features)}


def actor_dict(actor: Actor) -> dict[str, Any]:
    return {
        "slug": actor.slug,
        "name": actor.name,
        "short_name": actor.short_name,
        "kind": actor.kind,
        "color": actor.color,
        "aliases": _split(actor.aliases),
        "description": actor.description,
    }


def site_dict(site: Site) -> dict[str, Any]:
    return {
        "slug": site.slug,
        "name": site.name,
        "aliases": _split(site.aliases),
        "kind": site.kind,
        "lat": site.lat,
        "lon": site.lon,
        "geo_precision": site.geo_precision,
        "country": site.country,
        "admin1": site.admin1,
        "description": site.description,
    }


def force_dict(force: Force) -> dict[str, Any]:
    return {
        "slug": force.slug,
        "name": force.name,
        "actor": force.actor.slug,
        "actor_name": force.actor.name,
        "branch": force.branch,
        "parent": force.parent.slug if force.parent else None,
        "sidc": force.sidc,
        "description": force.description,
    }


def citation_dict(citation: Citation, original: Source | None = None) -> dict[str, Any]:
    """One citation; `original` is the source it goes back to when it is a reprint."""
    source = citation.source
    relayed = original is not None and original.id != source.id
    return {
        "source": source.slug,
        "publisher": source.publisher,
        "title": source.title,
        "url": source.url,
        "archive_url": source.archive_url,
        "published": _iso(source.published_date),
        "reliability": source.reliability,
        "stance": citation.stance,
        "credibility": citation.credibility,
        "claim": citation.claim,
        "original": original.slug if relayed and original else None,
        "original_publisher": original.publisher if relayed and original else None,
    }


def _citation_fields(
    citations: Citations, record_type: str, record_id: int, recorded_confidence: str, nested: bool
) -> dict[str, Any]:
    found = citations.get((record_type, record_id), [])
    summary = citations.summary(record_type, record_id)
    fields: dict[str, Any] = {
        # The confidence shown: the record's own, but never above low on D-F sources alone.
        "confidence": shown_confidence(recorded_confidence, found),
        "recorded_confidence": recorded_confidence,
        # Counts and the best grade come from supporting citations only.
        "citation_count": summary.count,
        "independent_sources": summary.independent,
        "disputing_count": summary.disputing,
        "context_count": summary.context,
        "sources_text": summary.sources_text(),
        "single_sourced": summary.single_sourced,
        "disputed": summary.disputed,
        "best_reliability": summary.best_reliability,
        "best_credibility": summary.best_credibility,
    }
    if nested:
        fields["citations"] = [citation_dict(c, citations.original_of(c.source)) for c in found]
    return fields


def dates_uncertain(deployment: Deployment, on: dt.date) -> bool:
    """Whether `on` falls in the week, month or year of a coarse start or end."""
    if on < certain_from(deployment.start_date, deployment.start_precision):
        return True
    return deployment.end_date is not None and on >= deployment.end_date


def deployment_properties(
    deployment: Deployment, citations: Citations, *, nested: bool = True, on: dt.date | None = None
) -> dict[str, Any]:
    force, actor, site = deployment.force, deployment.force.actor, deployment.site
    extra = {} if on is None else {"dates_uncertain": dates_uncertain(deployment, on)}
    return {
        "slug": deployment.slug,
        "site": site.slug,
        "site_name": site.name,
        "site_kind": site.kind,
        "force": force.slug,
        "force_name": force.name,
        "branch": force.branch,
        "actor": actor.slug,
        "actor_name": actor.name,
        "color": actor.color,
        "status": deployment.status,
        "start": _iso(deployment.start_date),
        "start_precision": deployment.start_precision,
        "start_time_precision": precision_code(deployment.start_precision),
        "end": _iso(deployment.end_date),
        "end_precision": deployment.end_precision,
        "end_time_precision": precision_code(deployment.end_precision),
        # The client draws any date from these, by the same rule as queries.state_at.
        "start_certain_from": _iso(certain_from(deployment.start_date, deployment.start_precision)),
        "present_until": _iso(deployment.present_until),
        **extra,
        "strength": deployment.strength,
        "note": deployment.note,
        "geo_precision": site.geo_precision,
        **_citation_fields(citations, "deployment", deployment.id, deployment.confidence, nested),
    }


def deployment_feature(deployment: Deployment, citations: Citations, *, nested: bool = True):
    return {
        "type": "Feature",
        "id": deployment.slug,
        "geometry": point(deployment.site),
        "properties": deployment_properties(deployment, citations, nested=nested),
    }


def snapshot_features(
    deployments: Sequence[Deployment], citations: Citations, on: dt.date
) -> list[dict]:
    """One Point feature per site, holding the deployments present there."""
    by_site: dict[int, list[Deployment]] = {}
    for deployment in deployments:
        by_site.setdefault(deployment.site_id, []).append(deployment)
    features = []
    for site_deployments in by_site.values():
        site = site_deployments[0].site
        features.append(
            {
                "type": "Feature",
                "id": site.slug,
                "geometry": point(site),
                "properties": {
                    "site": {
                        "slug": site.slug,
                        "name": site.name,
                        "kind": site.kind,
                        "geo_precision": site.geo_precision,
                    },
                    "actors": sorted({d.force.actor.slug for d in site_deployments}),
                    "deployments": [
                        deployment_properties(d, citations, on=on) for d in site_deployments
                    ],
                },
            }
        )
    return features


def movement_properties(
    movement: Movement, citations: Citations, *, nested: bool = True
) -> dict[str, Any]:
    actor = movement.force.actor
    to_site = movement.to_site
    return {
        "slug": movement.slug,
        "force": movement.force.slug,
        "force_name": movement.force.name,
        "actor": actor.slug,
        "actor_name": actor.name,
        "color": actor.color,
        "from_site": movement.from_site.slug,
        "from_name": movement.from_site.name,
        "from_geo_precision": movement.from_site.geo_precision,
        "to_geo_precision": to_site.geo_precision if to_site else None,
        "to_site": to_site.slug if to_site else None,
        "to_name": to_site.name if to_site else movement.to_label,
        "start": _iso(movement.start_date),
        "start_precision": movement.start_precision,
        "start_time_precision": precision_code(movement.start_precision),
        "end": _iso(movement.end_date),
        "end_precision": movement.end_precision,
        "end_time_precision": precision_code(movement.end_precision),
        "description": movement.description,
        **_citation_fields(citations, "movement", movement.id, movement.confidence, nested),
    }


def movement_feature(movement: Movement, citations: Citations, *, nested: bool = True):
    origin, destination = point(movement.from_site), point(movement.to_site)
    geometry = None
    if origin and destination:
        geometry = {
            "type": "LineString",
            "coordinates": [origin["coordinates"], destination["coordinates"]],
        }
    elif origin:
        # Off-map destination: only the origin can be drawn.
        geometry = origin
    return {
        "type": "Feature",
        "id": movement.slug,
        "geometry": geometry,
        "properties": movement_properties(movement, citations, nested=nested),
    }


def event_properties(event: Event, citations: Citations, *, nested: bool = True) -> dict:
    return {
        "slug": event.slug,
        "date": _iso(event.date),
        # start/end as time-slider plugins (Leaflet.timeline) expect: the period the date covers.
        "start": _iso(event.date),
        "end": _iso(period_end(event.date, event.date_precision)),
        "date_precision": event.date_precision,
        "time_precision": precision_code(event.date_precision),
        "kind": event.kind,
        "title": event.title,
        "description": event.description,
        "site": event.site.slug if event.site else None,
        "site_name": event.site.name if event.site else None,
        "geo_precision": event.site.geo_precision if event.site else None,
        "actors": sorted(a.slug for a in event.actors),
        **_citation_fields(citations, "event", event.id, event.confidence, nested),
    }


def event_feature(event: Event, citations: Citations, *, nested: bool = True) -> dict:
    return {
        "type": "Feature",
        "id": event.slug,
        "geometry": point(event.site),
        "properties": event_properties(event, citations, nested=nested),
    }


def site_feature(site: Site) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": site.slug,
        "geometry": point(site),
        "properties": site_dict(site),
    }


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()] if value else []


# --- The map's two busiest answers, built from plain rows -------------------------------------
# GET /api/v1/snapshot and /api/v1/movements answer from queries.snapshot and queries.movement_rows
# (columns, not ORM objects) with the same fields as deployment_properties and
# movement_properties; tests/api/test_state.py holds the two paths to the same output.

_PRECISION_CODES = {str(precision): code for precision, code in PRECISION_CODES.items()}

# Rows are unpacked by position below: reading a SQLAlchemy Row's fields by name costs about ten
# times as much, which at tens of thousands of rows is most of the answer's time.


def _row_citation_fields(rows: CitationRows, record_id: int, recorded: str) -> dict[str, Any]:
    roots = rows.roots
    citations = []
    supporting = disputing = context = 0
    originals = set()
    best: tuple[str, int] | None = None
    weak = True
    for (
        _record,
        stance,
        credibility,
        claim,
        source_id,
        source_slug,
        publisher,
        title,
        url,
        archive_url,
        published,
        reliability,
        *_original,
    ) in rows.get(record_id, ()):
        root = roots.get(source_id)
        relayed = root is not None and root.id != source_id
        if stance == "supports":
            supporting += 1
            originals.add(root.id if root is not None else source_id)
            if best is None or (reliability, credibility) < best:
                best = (reliability, credibility)
            weak = weak and reliability in WEAK_GRADES
        elif stance == "disputes":
            disputing += 1
        elif stance == "context":
            context += 1
        citations.append(
            {
                "source": source_slug,
                "publisher": publisher,
                "title": title,
                "url": url,
                "archive_url": archive_url,
                "published": _iso(published),
                "reliability": reliability,
                "stance": stance,
                "credibility": credibility,
                "claim": claim,
                "original": root.slug if relayed and root else None,
                "original_publisher": root.publisher if relayed and root else None,
            }
        )
    summary = CitationSummary(
        count=supporting, independent=len(originals), disputing=disputing, context=context
    )
    return {
        # The same rules as summarize() and shown_confidence(), over rows.
        "confidence": "low" if weak else recorded,
        "recorded_confidence": recorded,
        "citation_count": supporting,
        "independent_sources": summary.independent,
        "disputing_count": disputing,
        "context_count": context,
        "sources_text": summary.sources_text(),
        "single_sourced": summary.single_sourced,
        "disputed": summary.disputed,
        "best_reliability": best[0] if best else None,
        "best_credibility": best[1] if best else None,
        "citations": citations,
    }


def _point_at(lon: float | None, lat: float | None) -> dict[str, Any] | None:
    if lat is None or lon is None:
        return None
    return {"type": "Point", "coordinates": [lon, lat]}


def snapshot_collection(found: Snapshot, on: dt.date) -> dict[str, Any]:
    """The snapshot as a FeatureCollection: one Point per site with its deployments on `on`."""
    features: dict[int, dict[str, Any]] = {}
    actors: dict[int, set[str]] = {}
    citations = found.citations
    codes = _PRECISION_CODES
    for (
        record_id,
        slug,
        status,
        start,
        start_precision,
        end,
        end_precision,
        until,
        strength,
        note,
        confidence,
        site_id,
        site_slug,
        site_name,
        site_kind,
        geo_precision,
        lat,
        lon,
        force_slug,
        force_name,
        branch,
        actor_slug,
        actor_name,
        color,
    ) in found.deployments:
        feature = features.get(site_id)
        if feature is None:
            actors[site_id] = set()
            feature = features[site_id] = {
                "type": "Feature",
                "id": site_slug,
                "geometry": _point_at(lon, lat),
                "properties": {
                    "site": {
                        "slug": site_slug,
                        "name": site_name,
                        "kind": site_kind,
                        "geo_precision": geo_precision,
                    },
                    "actors": [],
                    "deployments": [],
                },
            }
        actors[site_id].add(actor_slug)
        certain = certain_from(start, start_precision)
        feature["properties"]["deployments"].append(
            {
                "slug": slug,
                "site": site_slug,
                "site_name": site_name,
                "site_kind": site_kind,
                "force": force_slug,
                "force_name": force_name,
                "branch": branch,
                "actor": actor_slug,
                "actor_name": actor_name,
                "color": color,
                "status": status,
                "start": _iso(start),
                "start_precision": start_precision,
                "start_time_precision": codes.get(start_precision),
                "end": _iso(end),
                "end_precision": end_precision,
                "end_time_precision": codes.get(end_precision),
                "start_certain_from": _iso(certain),
                "present_until": _iso(until),
                "dates_uncertain": on < certain or (end is not None and on >= end),
                "strength": strength,
                "note": note,
                "geo_precision": geo_precision,
                **_row_citation_fields(citations, record_id, confidence),
            }
        )
    for site_id, feature in features.items():
        feature["properties"]["actors"] = sorted(actors[site_id])
    return feature_collection(features.values(), date=on.isoformat())


def movement_collection(rows: Sequence[Row], citations: CitationRows) -> dict[str, Any]:
    """Movements as LineStrings (an off-map destination: the origin's Point)."""
    features = []
    codes = _PRECISION_CODES
    for (
        record_id,
        slug,
        start,
        start_precision,
        end,
        end_precision,
        description,
        confidence,
        to_label,
        force_slug,
        force_name,
        actor_slug,
        actor_name,
        color,
        from_slug,
        from_name,
        from_geo_precision,
        from_lat,
        from_lon,
        to_slug,
        to_name,
        to_geo_precision,
        to_lat,
        to_lon,
    ) in rows:
        origin, destination = _point_at(from_lon, from_lat), _point_at(to_lon, to_lat)
        geometry = origin
        if origin and destination:
            geometry = {
                "type": "LineString",
                "coordinates": [origin["coordinates"], destination["coordinates"]],
            }
        features.append(
            {
                "type": "Feature",
                "id": slug,
                "geometry": geometry,
                "properties": {
                    "slug": slug,
                    "force": force_slug,
                    "force_name": force_name,
                    "actor": actor_slug,
                    "actor_name": actor_name,
                    "color": color,
                    "from_site": from_slug,
                    "from_name": from_name,
                    "from_geo_precision": from_geo_precision,
                    "to_geo_precision": to_geo_precision,
                    "to_site": to_slug,
                    "to_name": to_name if to_slug else to_label,
                    "start": _iso(start),
                    "start_precision": start_precision,
                    "start_time_precision": codes.get(start_precision),
                    "end": _iso(end),
                    "end_precision": end_precision,
                    "end_time_precision": codes.get(end_precision),
                    "description": description,
                    **_row_citation_fields(citations, record_id, confidence),
                },
            }
        )
    return feature_collection(features)
