"""The fixed list of life events (slug, Vietnamese name, English name) the catalogue is browsed by.

The migration 0004 seeds them; the loader recreates any that are missing (a database flushed
between tests, a database restored without them).
"""

LIFE_EVENTS = [
    ("having_a_baby", "Sinh con", "Having a baby"),
    ("marriage_and_family", "Kết hôn và gia đình", "Marriage and family"),
    ("death_and_inheritance", "Người thân qua đời, thừa kế", "Death and inheritance"),
    ("moving_house", "Chuyển nơi ở", "Moving house"),
    ("identity_and_travel", "Căn cước, hộ chiếu và đi lại", "Identity and travel"),
    ("vehicles_and_driving", "Phương tiện và lái xe", "Vehicles and driving"),
    ("starting_a_business", "Khởi sự kinh doanh", "Starting a business"),
    ("running_a_business", "Hoạt động kinh doanh", "Running a business"),
    ("investment", "Đầu tư", "Investment"),
    ("jobs_and_social_insurance", "Việc làm và bảo hiểm xã hội", "Jobs and social insurance"),
    ("health_insurance", "Bảo hiểm y tế", "Health insurance"),
    ("education", "Học tập và thi cử", "Education"),
    ("land_and_housing", "Đất đai và nhà ở", "Land and housing"),
    ("justice_and_records", "Tư pháp và lý lịch", "Justice and records"),
    ("electricity_and_utilities", "Điện, nước và dịch vụ thiết yếu", "Electricity and utilities"),
]
