"""The two staff roles, as Django groups with model permissions.

Personal data (supporters, actions, messages) is gated by `campaign.view_supporter`:
coordinators have it, viewers (board members, funders) never do.
"""

COORDINATOR = "Coordinator"
VIEWER = "Viewer"

PERSONAL_DATA_PERMISSION = "campaign.view_supporter"
DASHBOARD_PERMISSION = "campaign.view_campaign"

# Models holding only aggregate or public information.
VIEWER_MODELS = (
    "decisionbody",
    "district",
    "districtzip",
    "councilmember",
    "campaign",
    "hearing",
    "stance",
    "membervote",
)


def can_see_personal_data(user) -> bool:
    return user.is_authenticated and user.has_perm(PERSONAL_DATA_PERMISSION)
