"""Importing an Open Referral HSDS data package built here (3.0 with broken rows, 1.x names):
phones, places, categories with their reasons, hours, line numbers (the shared packages:
test_directory_packages.py)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from smsbot.directory.importer import detect_format, import_path
from smsbot.directory.records import ImportOptions
from smsbot.models import Service
from tests.directory_support import categories_of, service_named

# One CSV per table; line numbers in the warnings count the header as line 1.
HSDS3_TABLES = {
    "organizations": """id,name,description
o1,Rivanna Health Collective,
""",
    "services": """id,organization_id,name,description,status,assured_date
s1,o1,Free naloxone,,active,2026-02-10
s2,o1,Syringe exchange,Sterile supplies for people who inject drugs,active,
s3,o1,Lost van,naloxone,active,
s4,o1,Food pantry,Groceries,active,
s5,o1,,naloxone,active,
""",
    "locations": """id,organization_id,name,latitude,longitude
l1,o1,Main office,38.0300,-78.4800
l2,o1,Broken,100,-78.48
""",
    "service_at_location": """id,service_id,location_id
sal1,s1,l1
sal2,s2,l1
sal3,s3,l2
sal4,s4,l1
sal5,s5,l1
""",
    "addresses": """id,location_id,address_1,city,state_province,postal_code,country,address_type
a0,l1,PO Box 9,Charlottesville,VA,22906,US,postal
a1,l1,410 E Market St,Charlottesville,VA,22902,US,physical
""",
    "phones": """id,organization_id,service_id,number,extension,type
p0,,s1,434-555-0190,,fax
p1,o1,,434 555 0199,,voice
p2,,s1,434-555-0101,12,voice
p3,,s2,434-555-0102,,tty
""",
    "schedules": "id,service_id,location_id,service_at_location_id,freq,byday,opens_at,closes_at,timezone,"
    + """valid_from,valid_to
h1,s1,,,WEEKLY,"MO,TU,WE,TH,FR",09:00,17:00,-5,,
h2,s1,,,WEEKLY,SA,10:00:00-05:00,14:00:00-05:00,-5,,
h3,s1,,,MONTHLY,1SU,12:00,15:00,-5,,
h4,s1,,,WEEKLY,SU,08:00,09:00,-5,,2025-12-31
h5,s1,,,WEEKLY,FUNDAY,08:00,09:00,-5,,
""",
    "taxonomy_terms": """id,code,name,taxonomy
t1,HR-NAL,Naloxone Distribution,local
t2,FOOD,Food,local
""",
    "attributes": """id,link_id,link_type,link_entity,taxonomy_term_id
at1,s1,,service,t1
at2,s4,,service,t2
""",
}


def build_hsds3(folder: Path) -> Path:
    """A small HSDS 3.0 package: 5 services; one at a location with latitude 100, one nameless."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in HSDS3_TABLES.items():
        (folder / f"{name}.csv").write_text(body, encoding="utf-8")
    descriptor = {
        "name": "test-hsds",
        "profile": "tabular-data-package",
        "resources": [{"name": name, "path": f"{name}.csv"} for name in HSDS3_TABLES],
    }
    (folder / "datapackage.json").write_text(json.dumps(descriptor))
    return folder


def _options(**overrides) -> ImportOptions:
    return ImportOptions(default_timezone="America/New_York", today=date(2026, 3, 4), **overrides)


def test_hsds3_package_imports_with_categories_hours_and_broken_rows(ctx, tmp_path):
    folder = build_hsds3(tmp_path / "pkg")
    assert detect_format(folder) == "hsds"

    summary = import_path(ctx, folder, _options())

    assert (summary.added, summary.updated, summary.skipped) == (2, 0, 3)
    warnings = "\n".join(summary.warnings)
    assert "locations.csv line 3: latitude 100 is out of range" in warnings
    assert "'Lost van' skipped" in warnings
    assert "services.csv line 5: no category" in warnings  # the food pantry (a false friend code)
    assert "services.csv line 6: missing name" in warnings
    assert "schedules.csv line 6: schedule not understood" in warnings  # the rest of its hours kept

    naloxone = service_named(ctx, "Free naloxone")
    assert naloxone.source == "hsds:test-hsds" and naloxone.source_id == "s1@l1"
    assert naloxone.address == "410 E Market St" and naloxone.zip == "22902"  # physical, not the PO box
    # The service's own voice line (not its fax) beats the organization's, extension kept.
    assert (naloxone.phone, naloxone.phone_extension) == ("434-555-0101", "12")
    assert naloxone.location_kind == "place"
    assert json.loads(naloxone.category_reasons) == {"naloxone": "term: Naloxone Distribution"}
    assert naloxone.organization == "Rivanna Health Collective"
    assert naloxone.last_verified == date(2026, 2, 10)
    assert naloxone.timezone == "America/New_York"  # from the ZIP, not the fixed -5 offset
    hours = json.loads(naloxone.hours)
    assert hours["mo"] == ["09:00-17:00"] and hours["sa"] == ["10:00-14:00"]
    assert hours["su"] == []  # the Sunday row expired on 2025-12-31
    assert categories_of(ctx, "Free naloxone") == ["naloxone"]  # from the taxonomy term
    assert categories_of(ctx, "Syringe exchange") == ["syringe_services"]  # words + drug context
    assert service_named(ctx, "Syringe exchange").phone == "434-555-0199"  # its TTY is never the line

    again = import_path(ctx, folder, _options())
    assert (again.added, again.updated) == (0, 2)
    with ctx.db.transaction() as conn:
        assert conn.execute(select(func.count()).select_from(Service.__table__)).scalar_one() == 2


def test_hsds_category_mapping_can_be_replaced(ctx, tmp_path):
    folder = build_hsds3(tmp_path / "pkg")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[terms]\nhealth_clinic = ["food"]\n')

    summary = import_path(ctx, folder, _options(mapping_path=str(mapping)))

    assert summary.added == 3
    assert categories_of(ctx, "Food pantry") == ["health_clinic"]


def test_hsds_1x_names_are_accepted(ctx, tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    tables = {
        "services": "id,name,description\n1,Needle exchange,For people who use drugs\n",
        "locations": "id,name,latitude,longitude\n9,Van,40.75,-73.99\n",
        "services_at_location": "id,service_id,location_id\nx,1,9\n",
        "physical_addresses": "id,location_id,address_1,city,state_province,postal_code\n"
        "a,9,1 W 31st St,New York,NY,10001\n",
        "regular_schedule": "id,service_id,weekday,opens_at,closes_at\n"
        "r,1,Tuesday,18:00,22:00\nr2,1,5,22:00,02:00\n",
    }
    for name, body in tables.items():
        (folder / f"{name}.csv").write_text(body)

    summary = import_path(ctx, folder, _options())

    assert (summary.format, summary.added, summary.skipped) == ("hsds", 1, 0), summary.warnings
    row = service_named(ctx, "Needle exchange")
    assert json.loads(row.hours)["tu"] == ["18:00-22:00"]
    assert json.loads(row.hours)["fr"] == ["22:00-02:00"]  # weekday 5 = Friday (ISO), past midnight
    assert categories_of(ctx, "Needle exchange") == ["syringe_services"]


# A 211 export as the issue describes it: CSVs in data/ (as datapackage.json says), HSDS 2.0
# names, AIRS codes as the ids of taxonomy.csv, phones with a fax first, Spanish rows, and one
# service offered only in a service area.
EXPORT_211 = {
    "services": """id,organization_id,name,description,status,last_modified
s1,o1,Opioid Treatment Program,Methadone and counseling,active,2026-02-01T10:00:00Z
s2,o1,In-Home Respite for Caregivers,Relief for family caregivers,active,
s3,o1,Mobile Harm Reduction Outreach,Supplies and naloxone by appointment,active,
""",
    "organizations": "id,name\no1,Miami Community Services\n",
    "locations": "id,organization_id,name,latitude,longitude\nl1,o1,Main clinic,25.7890,-80.2100\n",
    "services_at_location": "id,service_id,location_id\nx1,s1,l1\nx2,s2,l1\n",
    "physical_addresses": "id,location_id,address_1,city,state_province,postal_code\n"
    "a1,l1,1611 NW 12th Ave,Miami,FL,33136\n",
    "postal_addresses": "id,location_id,address_1,city,state_province,postal_code\n"
    "p1,l1,P.O. Box 5000,Miami,FL,33101\n",
    "phones": """id,service_id,number,extension,type,language
f1,s1,305-555-0199,,fax,
v1,s1,(305) 555-0100 ext. 7,,voice,"en, es"
v3,s3,305-555-0300,,voice,
""",
    "languages": "id,service_id,language\ng1,s1,Spanish\ng2,s3,Spanish\n",
    "taxonomy": "id,name,parent_id,vocabulary\nRX-8450.5000,Opioid Treatment Programs,RX-8450,AIRS\n"
    "PH-6300.0500,In Home Respite Care,PH-6300,AIRS\nLH-2700.6000,Harm Reduction Programs,,AIRS\n",
    "services_taxonomy": "id,service_id,taxonomy_id\nt1,s1,RX-8450.5000\nt2,s2,PH-6300.0500\n"
    "t3,s3,LH-2700.6000\n",
    "service_areas": "id,service_id,service_area,description\nar1,s3,Miami-Dade County,\n",
}


def build_211(folder: Path) -> Path:
    (folder / "data").mkdir(parents=True)
    for name, body in EXPORT_211.items():
        (folder / "data" / f"{name}.csv").write_text(body)
    resources = [{"name": name, "path": f"data/{name}.csv"} for name in EXPORT_211]
    (folder / "datapackage.json").write_text(json.dumps({"name": "miami-211", "resources": resources}))
    return folder


def test_a_211_export_with_data_paths_airs_codes_and_a_service_area(ctx, tmp_path):
    folder = build_211(tmp_path / "export")

    summary = import_path(ctx, folder / "datapackage.json", _options())

    assert (summary.added, summary.skipped) == (2, 1), summary.warnings
    assert summary.warnings == [
        "data/services.csv line 3: no category (no taxonomy code, term or words matched); row skipped"
    ]
    otp = service_named(ctx, "Opioid Treatment Program")
    assert json.loads(otp.category_reasons) == {"treatment": "AIRS RX-8450.5000"}
    assert (otp.phone, otp.phone_extension) == ("305-555-0100", "7")  # the voice line, not the fax
    assert otp.address == "1611 NW 12th Ave" and otp.zip == "33136"  # never the P.O. box
    assert otp.languages == "es en" and otp.last_verified == date(2026, 2, 1)
    outreach = service_named(ctx, "Mobile Harm Reduction Outreach")
    assert (outreach.location_kind, outreach.service_area, outreach.address) == (
        "area",
        "Miami-Dade County",
        None,
    )
    assert "33136" in outreach.area_zips.split() and len(outreach.area_zips.split()) > 50
    assert outreach.source_id == "s3" and outreach.phone == "305-555-0300"
