"""The volunteer agreement of seed 003 ('Bro til hverdagslivet'), shared by the rule and rebuild tests."""
import uuid

VOLUNTEER, COORDINATOR = str(uuid.uuid4()), str(uuid.uuid4())
SEED_FIELDS = {"volunteer_id": VOLUNTEER, "coordinator_id": COORDINATOR, "project": "Bro til hverdagslivet",
               "name": "Sofie Frivillig", "address": "Stationsvej 3", "postcode": "2840", "city": "Holte",
               "phone": "+45 20 30 40 50", "email": "sofie@example.dk", "cpr": "0101901234",
               "start_date": "2025-01-06", "confidentiality_accepted": True, "criminal_record_check": "clean"}
