"""HSDS 3.0 JSON as the API serves it → the same tables a CSV package has, then hsds.py joins them.

Accepted: one service (`service_full.json`), one organization with its services and locations
(`organization_full.json`), a list of either, a paged API response (`{"contents": [...],
"total_items": ...}`, e.g. `service_list.json`), or the tabular form (`{"services.csv": [...]}`).
Each row remembers its place in the file ("page.json contents[3].service_at_locations[0].location")
so warnings point at it.
"""

from __future__ import annotations

from typing import Any

from smsbot.directory.datapackage import HsdsError, Row, Table, cell, tables_from_json, text

# Nested lists → the table they flatten into and the column that links them to their parent.
_CHILDREN = {
    "phones": "phones",
    "schedules": "schedules",
    "languages": "languages",
    "service_areas": "service_areas",
    "addresses": "addresses",
}


def looks_like_hsds(data: Any) -> bool:
    """A JSON document hsds_json can read (used to tell it from SAMHSA's `rows`)."""
    if isinstance(data, list):
        return (
            bool(data) and all(isinstance(d, dict) for d in data[:5]) and any(_is_entity(d) for d in data[:5])
        )
    if not isinstance(data, dict):
        return False
    if isinstance(data.get("contents"), list):
        return True
    if any(str(k).endswith(".csv") for k in data):
        return True
    return _is_entity(data)


def _is_entity(item: dict) -> bool:
    return (
        "id" in item
        and "name" in item
        and any(
            k in item for k in ("service_at_locations", "services", "organization", "status", "locations")
        )
    )


class _Flattener:
    def __init__(self) -> None:
        self.tables: dict[str, Table] = {}
        self.rows: dict[str, list] = {}

    def add(self, table: str, where: str, item: dict, **links: str) -> Row:
        # Most values are strings that need no cleaning (`text` only for an edge space or a null
        # word); nested lists and objects are flattened by the callers. One comprehension: this
        # runs for every object of a 211 export, and is most of the JSON import's time.
        row: Row = {
            key: (
                (value if len(value) > 4 and value[0] != " " and value[-1] != " " else text(value))
                if value.__class__ is str
                else cell(value)
            )
            for key, value in item.items()
            if value.__class__ is not dict and value.__class__ is not list
        }
        for key, value in links.items():
            if value and not row.get(key):
                row[key] = value
        rows = self.rows.get(table)
        if rows is None:
            self.tables[table] = Table(table)
            rows = self.rows[table] = self.tables[table].rows
        rows.append((where, row))
        return row

    def children(self, item: dict, where: str, **links: str) -> None:
        """Phones, schedules, languages, areas and addresses under `item`, linked to it."""
        for key, table in _CHILDREN.items():
            for index, child in enumerate(item.get(key) or ()):
                if not isinstance(child, dict):
                    continue
                place = f"{where}.{key}[{index}]"
                row = self.add(table, place, child, **links)
                if table == "phones":  # a phone's languages: the line that speaks them
                    for n, language in enumerate(child.get("languages") or []):
                        if isinstance(language, dict):
                            self.add(
                                "languages", f"{place}.languages[{n}]", language, phone_id=row.get("id", "")
                            )

    def location(self, item: dict, where: str, organization_id: str = "") -> str:
        row = self.add("locations", where, item, organization_id=organization_id)
        self.children(item, where, location_id=row.get("id", ""))
        return row.get("id", "")

    def organization(self, item: dict, where: str) -> str:
        row = self.add("organizations", where, item)
        org_id = row.get("id", "")
        self.children(item, where, organization_id=org_id)
        for index, location in enumerate(item.get("locations") or []):
            if isinstance(location, dict):
                self.location(location, f"{where}.locations[{index}]", org_id)
        for index, service in enumerate(item.get("services") or []):
            if isinstance(service, dict):
                self.service(service, f"{where}.services[{index}]", org_id)
        return org_id

    def service(self, item: dict, where: str, organization_id: str = "") -> None:
        organization = item.get("organization")
        if isinstance(organization, dict) and organization.get("id"):
            organization_id = self.organization(organization, f"{where}.organization")
        row = self.add("services", where, item, organization_id=organization_id)
        service_id = row.get("id", "")
        self.children(item, where, service_id=service_id)
        for index, attribute in enumerate(item.get("attributes") or []):
            if not isinstance(attribute, dict):
                continue
            place = f"{where}.attributes[{index}]"
            term = attribute.get("taxonomy_term")
            term_id = cell(attribute.get("taxonomy_term_id"))
            if isinstance(term, dict):
                term_id = self.add("taxonomy_terms", f"{place}.taxonomy_term", term).get("id", "") or term_id
            # Nested under the service, it is the service's, whatever link_entity says.
            self.add("attributes", place, attribute, taxonomy_term_id=term_id)
            self.tables["attributes"].rows[-1][1].update(link_id=service_id, link_entity="service")
        for index, link in enumerate(item.get("service_at_locations") or []):
            if not isinstance(link, dict):
                continue
            place = f"{where}.service_at_locations[{index}]"
            location = link.get("location")
            location_id = cell(link.get("location_id"))
            if isinstance(location, dict):
                location_id = self.location(location, f"{place}.location", organization_id) or location_id
            sal = self.add("service_at_location", place, link, service_id=service_id, location_id=location_id)
            self.children(link, place, service_at_location_id=sal.get("id", ""))


def tables_from_document(label: str, data: Any) -> dict[str, Table]:
    """Any accepted HSDS 3.0 JSON document → tables (HsdsError when it is none of them)."""
    if isinstance(data, dict) and any(str(k).endswith(".csv") for k in data):
        return tables_from_json(label, data)
    if isinstance(data, dict) and isinstance(data.get("contents"), list):
        items, prefix = data["contents"], f"{label} contents"
    elif isinstance(data, list):
        items, prefix = data, label
    elif isinstance(data, dict):
        items, prefix = [data], None
    else:
        raise HsdsError(f"{label} is not HSDS JSON (expected a service, an organization or a list)")
    flat = _Flattener()
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        where = f"{prefix}[{index}]" if prefix else label
        if isinstance(item.get("services"), list) and "service_at_locations" not in item:
            flat.organization(item, where)
        else:
            flat.service(item, where)
    if "services" not in flat.tables:
        raise HsdsError(f"{label} has no services (expected HSDS 3.0 services or organizations)")
    return flat.tables
