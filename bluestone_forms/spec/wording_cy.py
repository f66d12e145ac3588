"""The toolkit's own words in Welsh: the `cy` wording table (issue 15).

Key for key the same as `wording.EN`; `tests/test_welsh_wording.py` holds that every key is
here, that no text is left in English (an explicit allow-list names the few that are the same
in both languages) and that a Welsh form in every format prints these words.

Where the terms come from (reviewed against what public bodies in Wales print on forms):
- TermCymru, the term bank of the Welsh Government Translation Service, and Porth Termau
  (Bangor University), for the form vocabulary: gofynnol (required), Ticiwch (tick), Llofnod
  (signature), Dyddiad (date), Enw (name), Tudalen … o … (page … of …), Ffynhonnell (source),
  Trwydded (licence), Trwydded Llywodraeth Agored (Open Government Licence), fersiwn (version).
- The Welsh forms in legislation (the Welsh versions of prescribed election forms on
  legislation.gov.uk) and the bilingual forms of the Welsh police bodies (North Wales PCC's
  review form: "Ffôn / Tel", Welsh first; Dyfed-Powys Police's pages, months as "12 Rhag
  2019"), for the form conventions: Welsh first, then " / " and the English on a bilingual
  form; the instruction in the imperative plural (Ticiwch, Atebwch, Defnyddiwch).
- The government security classifications as Welsh public bodies print them: SWYDDOGOL,
  SWYDDOGOL-SENSITIF.
- Yes / No: Welsh has no single word for either; the answer echoes the question's verb ("Ydy /
  Nac ydy", "Oes / Nac oes", "Do / Naddo"), which a form that asks many kinds of question
  cannot know. Form labels use the neutral "Ie / Na" (as `spec_fields.ANSWER_WORDS` does),
  which reads right beside any question.
These tables were written for this toolkit; a force's Welsh language officer should review
them before a form goes out, as with any translation.
"""

from __future__ import annotations

CY: dict[str, str] = {
    # a question: number (C = Cwestiwn, as Welsh questionnaires number them), required marker
    # (TermCymru: required = gofynnol), routing, tick rules
    "question": "C{n}",
    "required": "(gofynnol)",
    "required_legend": "Rhaid ateb y cwestiynau sydd wedi'u marcio (gofynnol).",
    "answer_if": "Atebwch {rule}.",
    "tick_one": "Ticiwch un.",
    "tick_all": "Ticiwch bob un sy'n berthnasol.",
    "tick_at_least": "Ticiwch o leiaf {lo}.",
    "tick_up_to": "Ticiwch hyd at {hi}.",
    "tick_between": "Ticiwch rhwng {lo} a {hi}.",
    "tick_exactly": "Ticiwch {lo}.",
    "scale": "Graddfa: {title}.",
    "signed_by": "I'w lofnodi gan: {role}.",
    "table_rows": "Hyd at {rows} rhes.",
    "table_rows_min": "Hyd at {rows} rhes, o leiaf {min}.",
    "table_row": "Rhes {n}",
    "register_title": "{title} — cofrestr",
    "return_id": "ID y ffurflen",
    "slot_row": "{label}, rhes {row}: {column}",
    "slot_name": "{label}: enw",
    "slot_date": "{label}: dyddiad",
    # dates: DD/MM/BBBB (blwyddyn), as Welsh Government forms print the date pattern
    "date_format": "dd/mm/bbbb",
    # the paper form's and the fillable forms' instructions
    "table_rows_paper": "Defnyddiwch un rhes ar gyfer pob un; gadewch y rhesi nas defnyddir "
                        "yn wag.",
    "pen_rule_lead": "Defnyddiwch feiro tywyll",
    "pen_rule": "(du neu las tywyll). Marciwch flwch â thic ✓ neu groes ✗ y tu mewn iddo; "
                "ysgrifennwch yr atebion ar y llinellau ac y tu mewn i'r blychau. I newid "
                "ateb, llenwch y blwch anghywir yn llwyr a marciwch yr un cywir. Cadwch yn "
                "glir o'r sgwariau du yn y corneli a'r cod ar y brig: maen nhw'n galluogi "
                "darllen y ffurflen o sgan.",
    "instructions_docx": "Cliciwch ar bob blwch ateb (y testun llwyd fel “Teipiwch eich ateb” "
                         "neu “Dewiswch eitem”) a theipiwch neu dewiswch eich ateb; ticiwch "
                         "flwch drwy glicio arno. Ysgrifennwch ddyddiadau fel {date_format} neu "
                         "dewiswch nhw o'r calendr. Dim ond y blychau ateb y gellir eu newid. "
                         "Rhaid ateb y cwestiynau sydd wedi'u marcio {required}.",
    "instructions_xlsx": "Atebwch yn y blychau sydd ag ymyl; rhaid ateb y cwestiynau sydd "
                         "wedi'u marcio {required} (blychau wedi'u lliwio). Teipiwch ddyddiadau "
                         "fel {date_format} (bydd y gell wedyn yn dangos y mis mewn geiriau: "
                         "gwiriwch y mis); dewiswch atebion o gwymplen pob blwch. Mae popeth "
                         "arall wedi'i gloi.",
    # sign-off captions (TermCymru: Enw, Dyddiad, Llofnod)
    "name": "Enw",
    "date": "Dyddiad",
    "signature": "Llofnod",
    "whole_number": "rhif cyfan",
    "number": "rhif",
    # page furniture, source and licence (Trwydded Llywodraeth Agored = Open Government
    # Licence; a licence's own name, e.g. CC BY-NC-SA 4.0, is not translated)
    "form_version": "Ffurflen {form_id}, fersiwn {version}",
    "page": "Tudalen {page} o {pages}",
    "source": "Ffynhonnell: {source}.",
    "adapted_from": "Addaswyd o “{title}”",
    "licence": "Trwydded: {licence}.",
    "licence_short": "{licence} · addaswyd o “{title}”",
    # protective marking (the security classifications as Welsh public bodies print them)
    "marking_official": "SWYDDOGOL",
    "marking_official_sensitive": "SWYDDOGOL-SENSITIF",
    "marking_official_sensitive_personal": "SWYDDOGOL-SENSITIF PERSONOL",
    "safeguarding": "Diogelu",
    # "Answer if …" in words: each test says its own "os" (if), so rules join with "ac"/"neu"
    # and "Atebwch {rule}." reads "Atebwch os mai “Ie” yw'r ateb i “…”."
    "rule_answered": "os atebwyd {left}",
    "rule_is": "os mai {right} yw'r ateb i {left}",
    "rule_is_not": "os nad {right} yw'r ateb i {left}",
    "rule_less": "os yw {left} yn llai na {right}",
    "rule_at_most": "os yw {left} yn {right} neu lai",
    "rule_more": "os yw {left} yn fwy na {right}",
    "rule_at_least": "os yw {left} yn {right} neu fwy",
    "rule_includes": "os dewiswyd {right} yn {left}",
    "rule_excludes": "os na ddewiswyd {right} yn {left}",
    "rule_not": "oni bai ({rule})",
    "rule_and": " ac ",
    "rule_or": " neu ",
    # Excel input messages
    "xlsx_type": "Teipiwch eich ateb.",
    "xlsx_type_limit": "Teipiwch eich ateb, hyd at {hi} nod.",
    "xlsx_choose": "Dewiswch ateb o'r gwymplen.",
    "tick_mark": "Ie",
    "xlsx_flag": "Dewiswch {mark} i dicio'r opsiwn hwn; gadewch y gell yn wag fel arall.",
    "xlsx_date": "Dyddiad fel {date_format}.",
    "xlsx_date_note": "Ar ôl pwyso Enter bydd y gell yn dangos y dyddiad fel y'i deallwyd, "
                      "gyda'r mis mewn geiriau: gwiriwch fod y mis yn gywir.",
    # Excel error alerts (Disgwylir: is expected; nod: character, as `xlsx_type_limit`; the
    # bounds worded as the Word placeholders word them: "o {lo} i {hi}", "hyd at {hi}")
    "xlsx_error": "Disgwylir {what}.",
    "xlsx_error_title": "Heb ei dderbyn: {title}",
    "expect_text": "testun",
    "expect_date": "dyddiad ({date_format})",
    "expect_flag": "“{mark}” i dicio'r opsiwn hwn, neu ddim byd",
    "expect_list": "un o'r atebion yn y gwymplen: {items}",
    "expect_places": "{what} gydag uchafswm o {places} lle degol",
    "bound_between": "{what} o {lo} i {hi}",
    "bound_at_least": "{what} o {lo} o leiaf",
    "bound_at_most": "{what} hyd at {hi}",
    "characters": "{n} nod",
    # the time field type: the pattern HH:MM kept as in English, the 24-hour clock "cloc 24
    # awr"; the rating box's label ("sgôr": rating). Not yet reviewed by a Welsh language officer.
    "time_format": "HH:MM",
    "time_hint": "Amser fel HH:MM ar y cloc 24 awr, e.e. 14:30.",
    "time_expected": "amser fel HH:MM, e.e. 14:30",
    "your_rating": "Eich sgôr ({lo}–{hi})",
}

# What a Word answer box says until it is filled in, in Welsh (`wording.PLACEHOLDERS`): the
# reader knows an unfilled box by its placeholder in any language.
CY_PLACEHOLDERS: dict[str, str] = {
    "date": "Dewiswch neu teipiwch ddyddiad ({date_format})",
    "choice": "Dewiswch eitem",
    "number": "Teipiwch {what}",
    "number_between": "Teipiwch {what} o {lo} i {hi}",
    "number_at_least": "Teipiwch {what} o {lo} o leiaf",
    "number_up_to": "Teipiwch {what} hyd at {hi}",
    "in_table": "Teipiwch yma",
    "text": "Teipiwch eich ateb",
    "long_text": "Teipiwch eich ateb (gallwch ddefnyddio sawl llinell)",
    "limit": "{text}, hyd at {limit} nod",
    "caption": "{part}: ",
    "time": "Teipiwch amser ({time_format}, cloc 24 awr)",
}

# Licences by their Welsh names (the name a licence's own Welsh version uses); a licence with
# no Welsh name (CC BY-NC-SA 4.0) keeps its own.
CY_LICENCES: dict[str, str] = {
    "Open Government Licence": "Trwydded Llywodraeth Agored",
}

# Texts the same in both languages because the same text is right in Welsh (a format
# pattern, a number, a code): the test allows exactly these to equal the English.
SAME_AS_ENGLISH = frozenset({"caption", "time_format"})
