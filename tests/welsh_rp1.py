"""A test translation of the shipped rp1 spec into Welsh, filled in as a translator's script
would fill the workbook `translate export` writes.

TEST DATA. A few texts have a real Welsh translation (below, written for these tests, not
reviewed by a translator); every other text is marked as test data: "«prawf» " (test) and the
English, so nobody mistakes it for a translation.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

TEST_MARK = "«prawf» "

WELSH = {
    "form.title": "Pwynt Ymarfer Myfyriol 1: Cam Adrodd—Cymorth i'r Swyddog Ymateb Cyntaf "
                  "(FRO)",
    "section.case_details.title": "Manylion yr achos",
    "field.crime_ref.label": "Cyfeirnod trosedd",
    "field.force.label": "Heddlu",
    "field.unit.label": "Uned / tîm",
    "field.review_date.label": "Dyddiad yr adolygiad",
    "field.attendees.label": "Pwy oedd yn bresennol",
    "field.attendees_other.label": "Eraill a oedd yn bresennol",
    "field.attendees_other.hint": "Rolau, nid enwau, lle bydd y dysgu'n cael ei rannu.",
    "choices.attendees.supervisor": "Goruchwyliwr",
    "choices.attendees.relevant_officer": "Swyddog perthnasol",
    "choices.attendees.engagement_officer": "Swyddog ymgysylltu",
    "choices.attendees.disruption_officer": "Swyddog tarfu",
    "choices.attendees.others": "Eraill",
    "choices.forces.dyfed_powys": "Heddlu Dyfed-Powys",
    "choices.forces.gwent": "Heddlu Gwent",
    "choices.forces.north_wales": "Heddlu Gogledd Cymru",
    "choices.forces.south_wales": "Heddlu De Cymru",
    "choices.forces.other": "Arall",
    "section.als_wellbeing.title": "Set dysgu gweithredol: Lles",
    "field.als_team_feeling.label": "Sut mae'r tîm yn teimlo?",
    "field.als_went_well.label": "Beth aeth yn dda? Pam?",
    "section.agreed_actions.title": "Camau gweithredu y cytunwyd arnynt",
    "field.actions.label": "Camau gweithredu y cytunwyd arnynt",
    "field.actions.column.action.label": "Cam gweithredu",
    "field.actions.column.owner.label": "Perchennog",
    "field.actions.column.due.label": "Dyddiad cwblhau",
    "section.learning.title": "Dysgu",
    "field.learning_points.label": "Pwyntiau dysgu",
    "field.cpd_themes.label": "Themâu ar gyfer DPP",
    "section.welfare.title": "Lles",
    "field.welfare_raised.label": "A godwyd materion lles ar y pwynt RP hwn?",
    "field.psych_support.label": "Cymorth seicolegol wedi'i ddarparu ochr yn ochr ag "
                                 "adolygiadau 'Pause Point'",
    "field.pausepoint_referral.label": "Atgyfeiriad PausePoint wedi'i wneud",
    "field.pausepoint_referral_date.label": "Dyddiad yr atgyfeiriad PausePoint",
    "section.signoff.title": "Llofnodi",
    "field.supervisor_signoff.label": "Llofnod y goruchwyliwr",
    "field.supervisor_signoff.role": "Goruchwyliwr",
}


def welsh_for(key: str, english: str) -> str:
    """The test translation of one text."""
    if key in WELSH:
        return WELSH[key]
    if key.endswith("_notes.label") and english == "Notes":
        return "Nodiadau"
    return TEST_MARK + english


def fill_workbook(path: Path, keep: int | None = None) -> Path:
    """Write the test translation into the workbook's Welsh column (the first `keep` rows
    only, when given, as a translator part-way through)."""
    wb = load_workbook(path)
    ws = wb["Translate"]
    for row in range(2, ws.max_row + 1):
        if keep is not None and row - 1 > keep:
            break
        key, english = ws.cell(row, 1).value, ws.cell(row, 4).value
        ws.cell(row, 6).value = welsh_for(str(key), str(english))
    wb.save(path)
    return path
