"""The 2011 report's facts that are not outlines ("TF and R&D Report Panda+Prodsys Report",
S. Campana and T. Wenaus, S&C week, 8 April 2011).

Dates are month/day pairs: the seed is loaded into any year (``load_seed --year``), and
`year + 1` means the year after the roadmap's.
"""

import datetime

REPORT_MONTH_DAY = (4, 8)  # the S&C week talk: "Better start NOW" means this day

ROADMAP_NAME = "PanDA+Prodsys priority dev deliverables"
ROADMAP_STATE = "strawman"  # "Incomplete strawman for discussion"

PROJECTS = (
    ("PanDA", "Production and distributed analysis workload management system."),
    ("Pilot", "The PanDA pilot running on the worker nodes."),
    ("Prodsys", "The production system: task definition and request handling (AKTR)."),
    ("Dashboard", "Experiment Dashboard monitoring infrastructure."),
    ("HammerCloud", "Site and queue testing and commissioning."),
    ("AGIS", "ATLAS Grid Information System."),
    ("DDM", "Distributed data management."),
    ("JEM", "Job Execution Monitor."),
    ("AutoPyFactory", "Pilot submission factory."),
    ("Cassandra", "NoSQL back ends (Cassandra) for archives and monitoring."),
)

# "Dubna workshop is the natural checkpoint time": the ADC workshop in Dubna, early June 2011.
CHECKPOINT = {
    "name": "Dubna workshop",
    "slug": "dubna-workshop-{year}",
    "month_day": (6, 6),
    "location": "JINR, Dubna",
    "description": "ADC workshop in Dubna: the natural checkpoint for the task forces and "
    "R&D activities to present their near-term plans.",
}

# "Migration to Oracle 11g: CERN IT will migrate in Jan/Feb 2012; validation needs to be done
# largely in advance; better start NOW." A deliverable with a hard deadline whose start-by
# date is the report's own date.
ORACLE = {
    "title": "Migration to Oracle 11g",
    "period": "Fall",
    "deadline_month_day": (1, 15),  # of the following year: CERN IT migrates in Jan/Feb
    "notes": "CERN IT will migrate in Jan/Feb {next_year}.\n"
    "Validation needs to be done largely in advance.\n"
    "Better start NOW.",
}

SERIES = {
    "name": "ADC development meeting",
    "slug": "adc-dev",
    "weekday": 2,  # Wednesday
    "start_time": datetime.time(17, 0),
    "time_zone": "Europe/Zurich",  # "Wed ~17:00 CERN time"
    "target_minutes": 60,  # "Duration: objective 1hr,
    "limit_minutes": 90,  # limit to 1.5hr"
    # A placeholder: set the real list in the admin.
    "mailing_list": "atlas-adc-dev@cern.ch",
    "description": "Many projects and activities underway: a regular weekly meeting for good "
    "communication, inter-project awareness and planning, meeting consolidation and the "
    "engagement of non-ADC participants.\n\n"
    "Structure: a focus topic first (an in-depth discussion of one activity, with non-ADC "
    "invitees as appropriate, at the top of the meeting to be friendly to non-ADCers), then "
    "hot topics and deliverable tracking, then an open floor across all activities for brief "
    "recent highlights.",
}
