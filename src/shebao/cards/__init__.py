"""Social security cards (社会保障卡, notice 5.1): replacement orders, their delivery by EMS, and the
card-collection certificate (领卡证明) valid for medical treatment while the card is made."""
