from tests.grid.conftest import (  # noqa: F401 (fixtures, found by name)
    grid,
    operator,
    operator_elsewhere,
    prefecture_operator,
)
