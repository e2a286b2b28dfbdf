"""Staff of the halls (8) and duty (11): hall managers and district leaders of 朝阳区 and 海淀区."""

from __future__ import annotations

import pytest

from tests import personas


@pytest.fixture
def hall_manager(db):
    return personas.make_staff("hall_cy", role=personas.Role.HALL_MANAGER, office_code="110105",
                               display_name="朝阳区大厅主管")


@pytest.fixture
def hall_manager_haidian(db):
    return personas.make_staff("hall_hd", role=personas.Role.HALL_MANAGER, office_code="110108",
                               display_name="海淀区大厅主管")


@pytest.fixture
def leader_chaoyang(db):
    return personas.make_staff("leader_cy", role=personas.Role.LEADER, office_code="110105",
                               display_name="朝阳区领导")


@pytest.fixture
def leader_haidian(db):
    return personas.make_staff("leader_hd", role=personas.Role.LEADER, office_code="110108",
                               display_name="海淀区领导")
