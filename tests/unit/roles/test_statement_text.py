"""The statement (udtalelse) in Danish, from its template (services/roles/texts.py)."""
from datetime import date

from services.roles.domain.volunteer_agreement import VolunteerAgreement
from services.roles.texts import render_statement


def test_the_statement_names_the_volunteer_the_period_and_the_activities_in_danish():
    agreement = VolunteerAgreement(id="a", details={"name": "Sofie Frivillig", "project": "Bro til hverdagslivet"},
                                   active_from="2025-01-06", ended={"ended_on": "2025-07-25"})
    text = render_statement(agreement, {"active_days": 200, "activities": 10}, date(2025, 7, 26))
    assert text.startswith("UDTALELSE\n\nSofie Frivillig har været frivillig i Bro til hverdagslivet fra "
                           "6. januar 2025 til 25. juli 2025.\n\n")
    assert "i omkring 6 måneder og har udført 10 frivillige aktiviteter" in text
    assert text.endswith("Dato: 26. juli 2025\n\nFrivilligkoordinator, Bro til hverdagslivet\n")
