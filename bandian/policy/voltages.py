"""Voltages: national standards, not numbers of the plan (which is why they are not in the policy file).

- The nominal voltages of the distribution network are those of GB/T 156-2017 (标准电压): low
  voltage 220 V single-phase and 380 V three-phase (0.4 kV is the transformer-side level of the
  380 V network, written on line works), medium voltage 10 kV and 20 kV. The plan covers high
  voltage "20 千伏及以下" (三、工作目标), so 20 kV is the highest voltage an application can ask for.
- Low voltage is the range of AC systems up to 1000 V (GB/T 156-2017, as IEC 60038); the standard
  voltages above it start at 3 kV, so "below 1 kV" and "up to 1 kV" sort every standard voltage
  alike. The plan's low- and high-voltage limits (the classes, the approval limits) split there.
"""

from __future__ import annotations

from decimal import Decimal

# Low voltage is below this many kV (GB/T 156-2017: low voltage up to 1000 V AC).
LOW_VOLTAGE_BELOW_KV = 1
# The voltages an application may be for (GB/T 156-2017), in kV.
LOW_VOLTAGES = (Decimal("0.22"), Decimal("0.38"), Decimal("0.4"))
HIGH_VOLTAGES = (Decimal("10"), Decimal("20"))
# The voltages an application's form offers: the customer's side of the low-voltage network
# (0.4 kV is the same 380 V network seen from the transformer: accepted by the importer and the API).
LOW_VOLTAGE_OFFERED = (Decimal("0.22"), Decimal("0.38"))
# The voltages of external line works (permit cases).
LINE_VOLTAGES = LOW_VOLTAGES + HIGH_VOLTAGES


def is_low_voltage(voltage_kv: float | Decimal) -> bool:
    return voltage_kv < LOW_VOLTAGE_BELOW_KV
