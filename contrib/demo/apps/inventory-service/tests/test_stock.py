import pytest

from inventory import OutOfStock


def test_reserve_reduces_availability(stock):
    stock.reserve("KB-001", 5)
    assert stock.available("KB-001") == 15
    assert stock.on_hand["KB-001"] == 20


def test_cannot_reserve_more_than_available(stock):
    stock.reserve("WC-400", 3)
    with pytest.raises(OutOfStock, match="WC-400: 2 requested, 1 available"):
        stock.reserve("WC-400", 2)


@pytest.mark.parametrize("quantity", [0, -1])
def test_quantity_must_be_positive(stock, quantity):
    with pytest.raises(ValueError, match="must be positive"):
        stock.reserve("KB-001", quantity)


def test_release_returns_units(stock):
    stock.reserve("KB-001", 5)
    stock.release("KB-001", 5)
    assert stock.available("KB-001") == 20


def test_ship_removes_units_from_the_warehouse(stock):
    stock.reserve("WC-400", 2)
    stock.ship("WC-400", 2)
    assert (stock.on_hand["WC-400"], stock.reserved["WC-400"]) == (2, 0)


@pytest.mark.parametrize(("reserved", "expected"), [(0, ["MN-027"]), (1, ["MN-027", "WC-400"])])
def test_low_stock(stock, reserved, expected):
    if reserved:
        stock.reserve("WC-400", reserved)
    assert stock.low_stock() == expected


def test_restock_clears_low_stock(stock):
    stock.restock("MN-027", 10)
    assert "MN-027" not in stock.low_stock()
