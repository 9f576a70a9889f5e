"""Categories a texter can trust: taxonomy codes first, term names, words only with substance-use
context and never beside a false friend; each category with the reason it was given."""

from __future__ import annotations

import csv
import json

import pytest

from smsbot.directory.categories import CATEGORIES, Classifier, parse_categories
from tests.conftest import SHARED_DATA

HSDS = SHARED_DATA / "hsds"


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier.load(None)


# (codes, name, description, expected {category: reason})
CODES = [
    # AIRS/211 LA: Substance Use Disorder Treatment Programs and its children, whatever the name says.
    (["RX-8450"], "Hope House", "", {"treatment": "AIRS RX-8450"}),
    (["RX-8450.8000-180"], "Drug Abuse Counseling", "", {"treatment": "AIRS RX-8450.8000-180"}),
    (["rx-8450.1150"], "New Beginnings", "", {"treatment": "AIRS RX-8450.1150"}),
    (["RX-8450.8000 Substance Use Disorder Counseling"], "Intake", "", {"treatment": "AIRS RX-8450.8000"}),
    # Detoxification and its children.
    (["RX-1700"], "County Withdrawal Unit", "", {"treatment": "AIRS RX-1700"}),
    (["RX-1700.1700"], "Drug Detoxification", "", {"treatment": "AIRS RX-1700.1700"}),
    (["RX-1700.0500"], "Alcohol Detox", "", {"treatment": "AIRS RX-1700.0500"}),
    # A code that only looks near: Nutrition Education is not a needle exchange; RX-84 is no family.
    (["LH-2700.6000"], "Eat Well Classes", "", {}),
    (["RX-8451"], "Something else", "", {}),
    # SAMHSA locator facility types.
    (["SAMHSA:SA"], "Region Ten Community Services Board", "", {"treatment": "SAMHSA SA"}),
    (["SAMHSA:OTP"], "Methadone Clinic", "", {"treatment": "SAMHSA OTP"}),
    (["SAMHSA:BUPREN"], "Dr. Smith", "", {"treatment": "SAMHSA BUPREN"}),
    (
        ["SAMHSA:HRSA"],
        "Central Virginia Health Services",
        "",
        {"treatment": "SAMHSA HRSA", "health_clinic": "SAMHSA HRSA"},
    ),
    (
        ["SAMHSA:HRSA", "SAMHSA:SA"],
        "Charlottesville Free Clinic",
        "",
        {"treatment": "SAMHSA HRSA", "health_clinic": "SAMHSA HRSA"},
    ),
    (["SAMHSA:MH"], "Dual Recovery Center", "", {}),
    # Term names (AIRS names beside their code, Open Eligibility, HSDS 3.0 free terms).
    (
        ["LH-9999.1234 Needle Exchange Programs"],
        "Outreach",
        "",
        {"syringe_services": "term: Needle Exchange Programs"},
    ),
    (["Syringe Services"], "Mobile unit", "", {"syringe_services": "term: Syringe Services"}),
    (["Harm Reduction"], "Outreach team", "", {"syringe_services": "term: Harm Reduction"}),
    (["Naloxone Distribution"], "Health Department", "", {"naloxone": "term: Naloxone Distribution"}),
    (["Drop-In Centers"], "The Living Room", "", {"drop_in": "term: Drop-In Centers"}),
    (["Methadone Maintenance"], "Clinic A", "", {"treatment": "term: Methadone Maintenance"}),
    (["Detox"], "Open Eligibility example", "", {"treatment": "term: Detox"}),
    (["Supervised Consumption"], "OnPoint", "", {"overdose_prevention": "term: Supervised Consumption"}),
    (["Fentanyl Test Strips"], "Pharmacy", "", {"test_strips": "term: Fentanyl Test Strips"}),
    (
        ["Community Health Centers"],
        "Eastside Health",
        "",
        {"health_clinic": "term: Community Health Centers"},
    ),
    # A code wins over words: the words are not even read when a code or term matched.
    (["RX-8450"], "Hope House", "free naloxone kits", {"treatment": "AIRS RX-8450"}),
]


@pytest.mark.parametrize(("codes", "name", "description", "expected"), CODES)
def test_codes_and_term_names(classifier, codes, name, description, expected):
    assert classifier.classify(codes, name, description) == expected


FALSE_FRIENDS = [
    # The 211 export's false "drop-in", syringe, treatment and harm-reduction matches.
    ([], "In-Home Respite for Caregivers", "Drop-in respite so caregivers get a break; no drugs on site."),
    ([], "Adult Day Care Center", "Drop in any weekday; staff help with medication and drug interactions."),
    ([], "Sunshine Preschool", "Drop-in hours for families; drug-free school zone."),
    ([], "Hospice of the Piedmont", "Comfort care. Pain managed with methadone or morphine when needed."),
    (
        [],
        "Prenatal Parenting Class",
        "Learn to bathe a newborn and use a syringe to give medicine; no drug use.",
    ),
    ([], "Parenting Together", "Classes for parents; how to keep a syringe and drugs away from kids."),
    ([], "County Animal Hospital", "Veterinary care: vaccines by syringe, drugs for pets."),
    ([], "Energy Bill Assistance", "Help with energy bills; recovery services for families after addiction."),
    ([], "Utility Assistance Program", "Pay your utility bill; harm reduction supplies not available here."),
    ([], "Kids Drop-In Child Care", "Drop-in care while parents attend drug court."),
    ([], "North Lawndale legal clinic", "Direct representation"),  # hsds-transformer output
    ([], "Juice Bar", "A 3-day juice detox."),
    # Term names that are false friends themselves, or on a false-friend service.
    (["Respite Care Drop-In Centers"], "Respite", ""),
    (["Drop-In Centers"], "Adult Day Care Drop-In", ""),
    (["Drop-In Child Care"], "ABC Kids", ""),
    (["Smoking Cessation"], "Quit Now", "We help people stop smoking; nicotine patches."),
]


@pytest.mark.parametrize(("codes", "name", "description"), FALSE_FRIENDS)
def test_false_friends_get_no_category(classifier, codes, name, description):
    assert classifier.classify(codes, name, description) == {}


WORDS = [
    (
        "Harm Reduction Outreach",
        "Sterile syringes and naloxone for people who use drugs.",
        {
            "naloxone": "words: naloxone in description",
            "syringe_services": "words: syringes + drugs in description",
        },
    ),
    ("Free Narcan", "", {"naloxone": "words: narcan in name"}),
    (
        "Eastside Detox",
        "Medically supervised withdrawal from opioids.",
        {"treatment": "words: detox + opioids in description"},
    ),
    ("Westside Methadone Program", "", {"treatment": "words: methadone in name"}),
    (
        "The Spot",
        "A drop-in center for people who use drugs: coffee, rest, peers.",
        {"drop_in": "words: drop in center + drugs in description"},
    ),
    # A word without substance-use context is not enough.
    ("Youth Drop-In", "Games and homework help after school.", {}),
    ("Community Detox Day", "Clean up the park together.", {}),
    ("Sharps Disposal", "Bring used syringes in a hard container.", {}),
    # Real services of the Open Referral sample data and the HSDS 3.0 example: none of ours.
    (
        "Al-Anon Family Group",
        "Provides support for family and friends of people with a drinking problem.",
        {},
    ),
    ("Never Homeless Helpline", "refers any persons without access to housing to services", {}),
    ("Community Counselling", "Counselling Services provided by trained professionals.", {}),
]


@pytest.mark.parametrize(("name", "description", "expected"), WORDS)
def test_words_need_substance_use_context(classifier, name, description, expected):
    assert classifier.classify([], name, description) == expected


def _services(folder: str) -> list[dict[str, str]]:
    path = HSDS / folder / "services.csv"
    if not path.exists():
        pytest.skip(f"{path} is not here")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize(
    "folder",
    [
        "openreferral-sample-data-all_resources",
        "openreferral-sample-data-1.0-simple",
        "openreferral-specification-3.0-csv",
        "hsds-transformer-output/data",
    ],
)
def test_real_packages_get_no_false_category(classifier, folder):
    """None of these published sample services (housing, food, legal aid, counselling) is ours."""
    services = _services(folder)
    assert services
    wrong = {
        s["name"]: found for s in services if (found := classifier.classify([], s["name"], s["description"]))
    }
    assert wrong == {}


def test_real_samhsa_facilities_by_type(classifier):
    path = SHARED_DATA / "samhsa-findtreatment-sample-2019.json"
    if not path.exists():
        pytest.skip(f"{path} is not here")
    rows = json.loads(path.read_text(encoding="utf-8"))["rows"]
    found = {
        row["frid"]: classifier.classify([f"SAMHSA:{row['typeFacility']}"], row["name1"], "") for row in rows
    }
    substance = [r["frid"] for r in rows if r["typeFacility"] == "SA"]
    mental = [r["frid"] for r in rows if r["typeFacility"] == "MH"]
    assert substance and mental
    assert all(found[f] == {"treatment": "SAMHSA SA"} for f in substance)
    assert all(found[f] == {} for f in mental)


def test_an_admin_mapping_adds_codes_and_replaces_lists(tmp_path):
    mapping = tmp_path / "local.toml"
    mapping.write_text(
        '[codes]\n"LH-2700.6000" = ["health_clinic"]\n"RX-8450.7900" = []\n'
        '[terms]\ndrop_in = ["living room"]\n',
        encoding="utf-8",
    )
    local = Classifier.load(mapping)
    assert local.classify(["LH-2700.6000"], "x", "") == {"health_clinic": "AIRS LH-2700.6000"}
    assert local.classify(["RX-8450.7900"], "x", "") == {}  # a child taken out of its family
    assert local.classify(["RX-8450.8000"], "x", "") == {"treatment": "AIRS RX-8450.8000"}
    assert local.classify(["The Living Room"], "x", "") == {"drop_in": "term: The Living Room"}
    assert local.classify(["Drop-In Centers"], "x", "") == {}  # the list was replaced


def test_the_old_mapping_format_still_works(tmp_path):
    mapping = tmp_path / "old.toml"
    mapping.write_text('naloxone = ["overdose kit", "naloxone"]\n', encoding="utf-8")
    old = Classifier.load(mapping)
    assert old.classify([], "Overdose Kit Pickup", "") == {"naloxone": "words: overdose kit in name"}
    assert old.classify(["Overdose Kit"], "x", "") == {"naloxone": "term: Overdose Kit"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('overdose = ["x"]\n', "'overdose' is not a category"),
        ('[codes]\n"RX-1" = ["rehab"]\n', "'rehab' is not a category"),
        ('naloxone = "narcan"\n', "must be a list"),
        ("naloxone = [\n", "cannot read"),
    ],
)
def test_a_bad_mapping_is_refused_with_a_reason(tmp_path, text, message):
    mapping = tmp_path / "bad.toml"
    mapping.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        Classifier.load(mapping)


def test_flat_csv_names_still_parse():
    assert parse_categories("Narcan; drug checking; SSP; nonsense") == (
        ["naloxone", "test_strips", "syringe_services"],
        ["nonsense"],
    )
    assert set(CATEGORIES) >= {"naloxone", "treatment", "health_clinic"}


def test_an_admin_may_map_any_code_exactly(tmp_path):
    mapping = tmp_path / "local.toml"
    mapping.write_text('[codes]\n"FOOD" = ["health_clinic"]\n"oe:1103" = ["treatment"]\n', encoding="utf-8")
    local = Classifier.load(mapping)
    assert local.classify(["food"], "Pantry", "") == {"health_clinic": "code food"}
    assert local.classify(["OE:1103"], "x", "") == {"treatment": "code OE:1103"}
    assert local.classify(["FOOD-1"], "x", "") == {}  # exact only outside AIRS
