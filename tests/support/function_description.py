"""The local fields of the first vertical slice's function description (Parkvænget), shared by the roles tests."""
LOCAL_FIELDS = {
    "organisational_placement": "Socialpsykiatrien, Parkvænget",
    "nearest_leader": "Lene Leder",
    "mentor": "Mette Mentor",
    "internal_partners": ["Personalegruppen på Parkvænget"],
    "special_tasks": {"2": ["Udvikle og afholde 3 workshops"]},
}
