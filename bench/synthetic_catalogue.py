"""A synthetic catalogue the size of the national one, beside the real procedures.

The national catalogue has about 4,400 procedures; ``procedures/data`` has the 65 reviewed
ones. For the public-page benchmarks (issue 11, target 3) this module adds procedures until the
catalogue has ``--total`` of them. Each synthetic procedure is built from a real one (its
channels, fees, cases, components, steps and legal bases) with a name, sector, life events,
level, description and result of its own, drawn with a fixed seed from the vocabulary of the
national catalogue (actions such as "Cấp lại", objects such as "giấy phép khai thác khoáng
sản", ~40 sectors), so the search has thousands of similar, overlapping names to rank, as it
has in production. It goes through the loader of the real files (``procedure_import``), so the
search columns, the vocabulary and the planner statistics are what a real load leaves.

Codes are ``9.NNNNNN`` (no real code starts with 9); ``--remove`` deletes them again.

    DATABASE_URL=postgres://... DJANGO_SETTINGS_MODULE=portal.settings.base \\
        uv run python bench/synthetic_catalogue.py --total 4400

Never loaded by the demo or the tests' data; only benchmarks call it.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

REPO_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_DIR))

PREFIX = "9."
SEED = 20261203

#: What is done to the object of a procedure (Vietnamese, English).
ACTIONS = [
    ("Cấp", "Issue of"),
    ("Cấp lại", "Reissue of"),
    ("Cấp đổi", "Replacement of"),
    ("Gia hạn", "Extension of"),
    ("Điều chỉnh", "Amendment of"),
    ("Thu hồi", "Withdrawal of"),
    ("Xác nhận", "Confirmation of"),
    ("Công nhận", "Recognition of"),
    ("Đăng ký", "Registration of"),
    ("Thẩm định", "Appraisal of"),
    ("Phê duyệt", "Approval of"),
    ("Thông báo thay đổi", "Notice of changes to"),
]

#: Where it is done (level, Vietnamese suffix, English suffix, competent agency kind, names).
LEVELS = [
    (
        1,
        "cấp trung ương",
        "central level",
        "ministry",
        "Bộ quản lý chuyên ngành",
        "The ministry in charge of the sector",
    ),
    (
        2,
        "cấp tỉnh",
        "provincial level",
        "province_department",
        "Sở quản lý chuyên ngành thuộc Ủy ban nhân dân cấp tỉnh",
        "The provincial department in charge of the sector",
    ),
    (
        3,
        "cấp xã",
        "commune level",
        "commune_committee",
        "Ủy ban nhân dân cấp xã",
        "The commune People's Committee",
    ),
]

#: Sectors (code, Vietnamese, English, life event or "") with the objects of their procedures
#: (Vietnamese, English, keywords people type).
SECTORS: list[tuple[str, str, str, str, list[tuple[str, str, str]]]] = [
    (
        "KHOANGSAN",
        "Địa chất và khoáng sản",
        "Geology and minerals",
        "",
        [
            (
                "giấy phép thăm dò khoáng sản",
                "mineral exploration licence",
                "tham do, khoang san, mining",
            ),
            (
                "giấy phép khai thác khoáng sản",
                "mineral extraction licence",
                "khai thac, mo, quarry",
            ),
            (
                "giấy phép khai thác cát sỏi lòng sông",
                "river sand extraction licence",
                "cat, soi, sand",
            ),
            ("quyết định đóng cửa mỏ", "mine closure decision", "dong cua mo, mine closure"),
        ],
    ),
    (
        "MOITRUONG",
        "Môi trường",
        "Environment",
        "running_a_business",
        [
            ("giấy phép môi trường", "environmental licence", "moi truong, environment permit"),
            ("báo cáo đánh giá tác động môi trường", "environmental impact assessment", "dtm, eia"),
            (
                "giấy phép xả thải vào nguồn nước",
                "wastewater discharge permit",
                "xa thai, nuoc thai",
            ),
            (
                "sổ đăng ký chủ nguồn thải chất thải nguy hại",
                "hazardous waste register",
                "chat thai nguy hai",
            ),
            ("kế hoạch bảo vệ môi trường", "environmental protection plan", "bao ve moi truong"),
        ],
    ),
    (
        "TAINGUYENNUOC",
        "Tài nguyên nước",
        "Water resources",
        "",
        [
            (
                "giấy phép khai thác nước dưới đất",
                "groundwater extraction licence",
                "gieng khoan, nuoc ngam",
            ),
            ("giấy phép khai thác nước mặt", "surface water extraction licence", "nuoc mat, song"),
            (
                "giấy phép hành nghề khoan nước dưới đất",
                "water drilling practice licence",
                "khoan gieng",
            ),
        ],
    ),
    (
        "DUOC",
        "Dược phẩm",
        "Pharmaceuticals",
        "running_a_business",
        [
            ("chứng chỉ hành nghề dược", "pharmacy practice certificate", "duoc si, pharmacist"),
            (
                "giấy chứng nhận đủ điều kiện kinh doanh dược",
                "pharmacy business certificate",
                "nha thuoc, quay thuoc, pharmacy",
            ),
            (
                "giấy đăng ký lưu hành thuốc",
                "medicine marketing authorisation",
                "thuoc, drug registration",
            ),
            ("giấy phép nhập khẩu thuốc", "medicine import licence", "nhap khau thuoc"),
        ],
    ),
    (
        "KHAMCHUABENH",
        "Khám bệnh, chữa bệnh",
        "Medical treatment",
        "",
        [
            (
                "giấy phép hành nghề khám bệnh, chữa bệnh",
                "medical practice licence",
                "bac si, doctor licence",
            ),
            ("giấy phép hoạt động phòng khám", "clinic operating licence", "phong kham, clinic"),
            ("giấy phép hoạt động bệnh viện", "hospital operating licence", "benh vien, hospital"),
            (
                "giấy chứng nhận phòng khám đạt chuẩn",
                "clinic standards certificate",
                "phong kham dat chuan",
            ),
        ],
    ),
    (
        "ATTP",
        "An toàn thực phẩm",
        "Food safety",
        "starting_a_business",
        [
            (
                "giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
                "food safety certificate",
                "an toan thuc pham, nha hang, quan an",
            ),
            (
                "bản tự công bố sản phẩm thực phẩm",
                "food product self-declaration",
                "cong bo san pham",
            ),
            (
                "giấy xác nhận nội dung quảng cáo thực phẩm",
                "food advertising approval",
                "quang cao thuc pham",
            ),
        ],
    ),
    (
        "XAYDUNG",
        "Hoạt động xây dựng",
        "Construction",
        "land_and_housing",
        [
            (
                "giấy phép xây dựng nhà ở riêng lẻ",
                "building permit for a house",
                "xay nha, giay phep xay dung, build a house",
            ),
            (
                "giấy phép xây dựng công trình",
                "building permit for a works",
                "cong trinh, building permit",
            ),
            (
                "giấy phép sửa chữa, cải tạo công trình",
                "renovation permit",
                "sua nha, cai tao, renovate",
            ),
            ("giấy phép di dời công trình", "relocation permit for a works", "di doi"),
            (
                "chứng chỉ hành nghề hoạt động xây dựng",
                "construction practice certificate",
                "ky su xay dung",
            ),
            (
                "chứng chỉ năng lực hoạt động xây dựng",
                "construction capacity certificate",
                "nang luc xay dung",
            ),
        ],
    ),
    (
        "NHAO",
        "Nhà ở",
        "Housing",
        "land_and_housing",
        [
            ("giấy chứng nhận quyền sở hữu nhà ở", "house ownership certificate", "so hong, nha o"),
            ("hợp đồng thuê nhà ở xã hội", "social housing lease", "nha o xa hoi, social housing"),
            ("hồ sơ mua nhà ở xã hội", "social housing purchase", "mua nha o xa hoi"),
        ],
    ),
    (
        "GIAOTHONG",
        "Đường bộ",
        "Roads",
        "vehicles_and_driving",
        [
            (
                "giấy phép lưu hành xe quá tải trọng",
                "permit for an overweight vehicle",
                "xe qua tai, overweight",
            ),
            ("giấy phép thi công trên đường bộ", "roadworks permit", "thi cong duong bo"),
            (
                "giấy phép kinh doanh vận tải bằng xe ô tô",
                "road transport business licence",
                "van tai, taxi, xe khach",
            ),
            ("phù hiệu xe ô tô kinh doanh vận tải", "transport vehicle badge", "phu hieu xe"),
            (
                "giấy chứng nhận kiểm định xe cơ giới",
                "vehicle inspection certificate",
                "dang kiem, inspection",
            ),
        ],
    ),
    (
        "DUONGTHUY",
        "Đường thủy nội địa",
        "Inland waterways",
        "vehicles_and_driving",
        [
            (
                "giấy chứng nhận đăng ký phương tiện thủy nội địa",
                "boat registration certificate",
                "tau thuyen, boat",
            ),
            ("bằng thuyền trưởng", "boat master's certificate", "thuyen truong"),
            ("giấy phép hoạt động bến thủy nội địa", "river wharf licence", "ben thuy"),
        ],
    ),
    (
        "NONGNGHIEP",
        "Trồng trọt",
        "Crop production",
        "",
        [
            ("giấy chứng nhận cây đầu dòng", "mother plant certificate", "giong cay trong"),
            ("quyết định công nhận giống cây trồng", "plant variety recognition", "giong cay"),
            (
                "giấy phép nhập khẩu giống cây trồng",
                "plant variety import licence",
                "nhap khau giong",
            ),
        ],
    ),
    (
        "THUY",
        "Thú y",
        "Veterinary",
        "",
        [
            (
                "giấy chứng nhận kiểm dịch động vật",
                "animal quarantine certificate",
                "kiem dich, dong vat",
            ),
            ("chứng chỉ hành nghề thú y", "veterinary practice certificate", "bac si thu y, vet"),
            (
                "giấy chứng nhận cơ sở an toàn dịch bệnh động vật",
                "animal disease-free establishment certificate",
                "an toan dich benh",
            ),
        ],
    ),
    (
        "THUYSAN",
        "Thủy sản",
        "Fisheries",
        "",
        [
            ("giấy phép khai thác thủy sản", "fishing licence", "danh ca, tau ca, fishing"),
            ("giấy chứng nhận đăng ký tàu cá", "fishing vessel registration", "tau ca"),
            (
                "giấy chứng nhận cơ sở nuôi trồng thủy sản",
                "aquaculture farm certificate",
                "nuoi tom, nuoi ca",
            ),
        ],
    ),
    (
        "LAMNGHIEP",
        "Lâm nghiệp",
        "Forestry",
        "",
        [
            ("hồ sơ khai thác gỗ rừng trồng", "plantation timber harvest file", "khai thac go, go"),
            ("quyết định giao rừng", "forest allocation decision", "giao rung"),
            (
                "giấy phép chuyển mục đích sử dụng rừng",
                "forest land-use change permit",
                "chuyen muc dich rung",
            ),
        ],
    ),
    (
        "CONGTHUONG",
        "Thương mại",
        "Trade",
        "running_a_business",
        [
            (
                "giấy phép kinh doanh bán lẻ rượu",
                "retail licence for alcohol",
                "ruou, bia, alcohol",
            ),
            ("giấy phép bán lẻ sản phẩm thuốc lá", "tobacco retail licence", "thuoc la, tobacco"),
            ("giấy phép lập cơ sở bán lẻ", "retail outlet licence", "cua hang, sieu thi"),
            (
                "giấy chứng nhận đủ điều kiện cửa hàng xăng dầu",
                "petrol station certificate",
                "cay xang, xang dau",
            ),
            ("giấy chứng nhận xuất xứ hàng hóa", "certificate of origin", "c/o, xuat xu"),
        ],
    ),
    (
        "DIEN",
        "Điện",
        "Electricity",
        "electricity_and_utilities",
        [
            ("giấy phép hoạt động điện lực", "electricity operating licence", "dien luc"),
            ("thẻ an toàn điện", "electrical safety card", "an toan dien"),
            (
                "hợp đồng mua bán điện sinh hoạt",
                "household electricity contract",
                "cap dien, cong to dien",
            ),
        ],
    ),
    (
        "HOACHAT",
        "Hóa chất",
        "Chemicals",
        "running_a_business",
        [
            (
                "giấy chứng nhận đủ điều kiện sản xuất hóa chất",
                "chemicals production certificate",
                "hoa chat",
            ),
            ("giấy phép xuất khẩu tiền chất", "precursor export licence", "tien chat"),
        ],
    ),
    (
        "VANHOA",
        "Văn hóa",
        "Culture",
        "",
        [
            ("giấy phép tổ chức lễ hội", "festival permit", "le hoi, festival"),
            ("giấy phép kinh doanh karaoke", "karaoke business licence", "karaoke, quan hat"),
            ("giấy phép tu bổ di tích", "monument restoration permit", "di tich"),
            ("giấy phép phổ biến phim", "film distribution licence", "phim"),
        ],
    ),
    (
        "DULICH",
        "Du lịch",
        "Tourism",
        "running_a_business",
        [
            (
                "giấy phép kinh doanh dịch vụ lữ hành",
                "travel agency licence",
                "lu hanh, tour, travel agency",
            ),
            ("thẻ hướng dẫn viên du lịch", "tour guide card", "huong dan vien, tour guide"),
            (
                "quyết định công nhận hạng cơ sở lưu trú du lịch",
                "hotel star rating",
                "khach san, hotel",
            ),
        ],
    ),
    (
        "THETHAO",
        "Thể dục thể thao",
        "Sport",
        "",
        [
            (
                "giấy chứng nhận đủ điều kiện kinh doanh hoạt động thể thao",
                "sports business certificate",
                "phong gym, be boi",
            ),
            (
                "quyết định phong đẳng cấp vận động viên",
                "athlete ranking decision",
                "van dong vien",
            ),
        ],
    ),
    (
        "BAOCHI",
        "Báo chí",
        "Press",
        "",
        [
            ("giấy phép hoạt động báo in", "print press licence", "bao in"),
            ("giấy phép xuất bản bản tin", "newsletter licence", "ban tin"),
            ("thẻ nhà báo", "press card", "nha bao, journalist"),
        ],
    ),
    (
        "XUATBAN",
        "Xuất bản, in và phát hành",
        "Publishing and printing",
        "",
        [
            ("giấy phép hoạt động in", "printing licence", "in an, printing"),
            (
                "giấy phép xuất bản tài liệu không kinh doanh",
                "non-commercial publishing licence",
                "xuat ban",
            ),
        ],
    ),
    (
        "VIENTHONG",
        "Viễn thông và Internet",
        "Telecommunications",
        "",
        [
            ("giấy phép cung cấp dịch vụ viễn thông", "telecommunications licence", "vien thong"),
            ("giấy phép sử dụng tần số vô tuyến điện", "radio frequency licence", "tan so, radio"),
            ("giấy chứng nhận đăng ký tên miền", "domain name registration", "ten mien, domain"),
        ],
    ),
    (
        "GIAODUC",
        "Giáo dục và đào tạo",
        "Education",
        "education",
        [
            (
                "quyết định cho phép thành lập trường mầm non",
                "kindergarten establishment permit",
                "mam non, nha tre",
            ),
            ("quyết định cho phép hoạt động giáo dục", "education operating permit", "truong hoc"),
            (
                "giấy phép tổ chức dạy thêm, học thêm",
                "private tutoring permit",
                "day them, hoc them",
            ),
            (
                "văn bằng, chứng chỉ bản sao từ sổ gốc",
                "copy of a diploma from the register",
                "bang tot nghiep, diploma",
            ),
            (
                "quyết định công nhận văn bằng do nước ngoài cấp",
                "recognition of a foreign diploma",
                "cong nhan van bang",
            ),
            ("chuyển trường cho học sinh", "school transfer for a pupil", "chuyen truong"),
        ],
    ),
    (
        "GDNGHENGHIEP",
        "Giáo dục nghề nghiệp",
        "Vocational training",
        "education",
        [
            (
                "giấy chứng nhận đăng ký hoạt động giáo dục nghề nghiệp",
                "vocational training registration",
                "hoc nghe, day nghe",
            ),
            (
                "quyết định thành lập trung tâm giáo dục nghề nghiệp",
                "vocational centre establishment",
                "trung tam day nghe",
            ),
        ],
    ),
    (
        "LAODONG",
        "Lao động",
        "Labour",
        "jobs_and_social_insurance",
        [
            (
                "giấy phép lao động cho người nước ngoài",
                "work permit for a foreigner",
                "work permit, nguoi nuoc ngoai",
            ),
            ("giấy phép cho thuê lại lao động", "labour leasing licence", "cho thue lai lao dong"),
            ("nội quy lao động", "workplace regulations", "noi quy lao dong"),
            ("thang lương, bảng lương", "pay scale", "bang luong"),
        ],
    ),
    (
        "NGUOICOCONG",
        "Người có công",
        "War veterans and martyrs' families",
        "",
        [
            (
                "trợ cấp người có công với cách mạng",
                "allowance for people with merit",
                "nguoi co cong, liet si",
            ),
            ("giấy chứng nhận thân nhân liệt sĩ", "martyr's relative certificate", "liet si"),
            ("hồ sơ di chuyển người có công", "transfer of a veteran's file", "di chuyen ho so"),
        ],
    ),
    (
        "TREEM",
        "Trẻ em",
        "Children",
        "having_a_baby",
        [
            (
                "quyết định áp dụng biện pháp can thiệp bảo vệ trẻ em",
                "child protection measure",
                "bao ve tre em",
            ),
            (
                "hỗ trợ chăm sóc thay thế cho trẻ em",
                "alternative care for a child",
                "nhan nuoi, cham soc tre",
            ),
        ],
    ),
    (
        "NUOICONNUOI",
        "Nuôi con nuôi",
        "Adoption",
        "marriage_and_family",
        [
            ("đăng ký việc nuôi con nuôi trong nước", "domestic adoption", "con nuoi, adoption"),
            (
                "đăng ký việc nuôi con nuôi có yếu tố nước ngoài",
                "international adoption",
                "con nuoi nuoc ngoai",
            ),
        ],
    ),
    (
        "TUPHAP",
        "Luật sư và công chứng",
        "Lawyers and notaries",
        "justice_and_records",
        [
            ("chứng chỉ hành nghề luật sư", "lawyer practice certificate", "luat su, lawyer"),
            (
                "giấy đăng ký hoạt động văn phòng công chứng",
                "notary office registration",
                "cong chung, notary",
            ),
            ("thẻ công chứng viên", "notary card", "cong chung vien"),
            (
                "giấy đăng ký hoạt động trung tâm trọng tài",
                "arbitration centre registration",
                "trong tai",
            ),
        ],
    ),
    (
        "THIHANHAN",
        "Thi hành án dân sự",
        "Civil judgment enforcement",
        "justice_and_records",
        [
            ("yêu cầu thi hành án", "enforcement request", "thi hanh an"),
            ("xác nhận kết quả thi hành án", "confirmation of enforcement", "ket qua thi hanh an"),
        ],
    ),
    (
        "TAICHINH",
        "Quản lý giá và tài chính",
        "Prices and finance",
        "",
        [
            ("đăng ký giá", "price registration", "dang ky gia, ke khai gia"),
            ("quyết định giao tài sản công", "public asset allocation", "tai san cong"),
        ],
    ),
    (
        "HAIQUAN",
        "Hải quan",
        "Customs",
        "running_a_business",
        [
            (
                "tờ khai hải quan hàng xuất khẩu",
                "export customs declaration",
                "hai quan, xuat khau, customs",
            ),
            ("tờ khai hải quan hàng nhập khẩu", "import customs declaration", "nhap khau, customs"),
            (
                "xác nhận hàng hóa tạm nhập tái xuất",
                "temporary import for re-export",
                "tam nhap tai xuat",
            ),
        ],
    ),
    (
        "THUE",
        "Thuế",
        "Tax",
        "running_a_business",
        [
            (
                "đăng ký thuế cá nhân",
                "personal tax registration",
                "ma so thue, thue thu nhap ca nhan, tax code",
            ),
            (
                "quyết toán thuế thu nhập cá nhân",
                "personal income tax settlement",
                "quyet toan thue, tax return",
            ),
            ("hoàn thuế giá trị gia tăng", "VAT refund", "hoan thue, vat"),
            (
                "miễn, giảm thuế sử dụng đất phi nông nghiệp",
                "non-agricultural land tax relief",
                "thue dat",
            ),
        ],
    ),
    (
        "NGANHANG",
        "Ngân hàng",
        "Banking",
        "",
        [
            ("giấy phép hoạt động ngoại hối", "foreign exchange licence", "ngoai hoi, doi tien"),
            (
                "giấy phép thành lập quỹ tín dụng nhân dân",
                "people's credit fund licence",
                "quy tin dung",
            ),
        ],
    ),
    (
        "KHCN",
        "Khoa học và công nghệ",
        "Science and technology",
        "",
        [
            (
                "giấy chứng nhận doanh nghiệp khoa học và công nghệ",
                "science and technology enterprise certificate",
                "khoa hoc cong nghe",
            ),
            (
                "giấy chứng nhận hợp đồng chuyển giao công nghệ",
                "technology transfer registration",
                "chuyen giao cong nghe",
            ),
            ("giấy phép tiến hành công việc bức xạ", "radiation work licence", "buc xa, x-quang"),
        ],
    ),
    (
        "TIEUCHUAN",
        "Tiêu chuẩn đo lường chất lượng",
        "Standards and metrology",
        "",
        [
            (
                "giấy chứng nhận đăng ký kiểm định phương tiện đo",
                "measuring instrument verification registration",
                "can, do luong",
            ),
            (
                "bản công bố hợp quy sản phẩm",
                "declaration of conformity",
                "hop quy, cong bo hop quy",
            ),
        ],
    ),
    (
        "NOIVU",
        "Tổ chức hành chính và công vụ",
        "Public administration",
        "",
        [
            (
                "quyết định công nhận ban vận động thành lập hội",
                "association founding committee",
                "thanh lap hoi",
            ),
            (
                "giấy phép thành lập quỹ xã hội, quỹ từ thiện",
                "charity fund licence",
                "quy tu thien, charity",
            ),
            (
                "xác nhận thời gian công tác",
                "confirmation of years of service",
                "thoi gian cong tac",
            ),
        ],
    ),
    (
        "TONGIAO",
        "Tín ngưỡng, tôn giáo",
        "Religion",
        "",
        [
            (
                "đăng ký hoạt động tín ngưỡng",
                "registration of religious activities",
                "tin nguong, chua",
            ),
            (
                "chấp thuận tổ chức cuộc lễ ngoài cơ sở tôn giáo",
                "approval of a ceremony outside a place of worship",
                "le hoi ton giao",
            ),
        ],
    ),
    (
        "THIDUA",
        "Thi đua, khen thưởng",
        "Awards",
        "",
        [
            ("tặng bằng khen", "certificate of merit", "bang khen"),
            ("tặng danh hiệu gia đình văn hóa", "cultural family title", "gia dinh van hoa"),
        ],
    ),
    (
        "PCCC",
        "Phòng cháy, chữa cháy",
        "Fire safety",
        "running_a_business",
        [
            (
                "văn bản thẩm duyệt thiết kế phòng cháy chữa cháy",
                "fire safety design approval",
                "pccc, phong chay, fire",
            ),
            (
                "văn bản nghiệm thu phòng cháy chữa cháy",
                "fire safety acceptance",
                "nghiem thu pccc",
            ),
            (
                "giấy chứng nhận huấn luyện nghiệp vụ phòng cháy",
                "fire safety training certificate",
                "huan luyen pccc",
            ),
        ],
    ),
    (
        "ANTT",
        "Quản lý ngành nghề kinh doanh có điều kiện về an ninh",
        "Security-sensitive businesses",
        "running_a_business",
        [
            (
                "giấy chứng nhận đủ điều kiện về an ninh, trật tự",
                "security and order certificate",
                "an ninh trat tu, cam do, nha nghi",
            ),
            (
                "giấy phép sử dụng vật liệu nổ công nghiệp",
                "industrial explosives licence",
                "vat lieu no",
            ),
        ],
    ),
]


def _templates() -> list[dict[str, Any]]:
    """The real procedures with a full version, to borrow the structure of a version from."""
    templates = []
    for path in sorted((REPO_DIR / "procedures" / "data").glob("[0-9].*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["versions"] and data["versions"][-1].get("channels"):
            templates.append(data)
    return templates


def synthetic_procedures(count: int, *, seed: int = SEED) -> list[dict[str, Any]]:
    """`count` procedure data files (dicts in the format of ``procedures/data``)."""
    rng = random.Random(seed)
    templates = _templates()
    combos = [
        (sector, obj, action, level)
        for sector in SECTORS
        for obj in sector[4]
        for action in ACTIONS
        for level in LEVELS
    ]
    if count > len(combos):
        raise SystemExit(f"at most {len(combos)} synthetic procedures (asked for {count})")
    rng.shuffle(combos)
    procedures = []
    for number, (sector, obj, action, level) in enumerate(combos[:count], start=1):
        code, sector_vi, sector_en, event, _objects = sector
        obj_vi, obj_en, keywords = obj
        action_vi, action_en = action
        level_no, level_vi, level_en, kind, agency_vi, agency_en = level
        template = copy.deepcopy(rng.choice(templates))
        version = template["versions"][-1]
        name = f"{action_vi} {obj_vi} ({level_vi})"
        name_en = f"{action_en} {obj_en} ({level_en})"
        online = rng.choices(["full", "partial", "information"], weights=[45, 45, 10])[0]
        version.update(
            number=1,
            effective_from="2025-07-01",
            description=(
                f"Tổ chức, cá nhân đề nghị {action_vi.lower()} {obj_vi} nộp hồ sơ tại "
                f"{agency_vi.lower()} hoặc trực tuyến trên Cổng Dịch vụ công quốc gia; cơ quan "
                f"có thẩm quyền thẩm định hồ sơ và trả kết quả theo quy định của lĩnh vực "
                f"{sector_vi.lower()}."
            ),
            description_en=(
                f"A person or organisation applies for the {action_en.lower()} a {obj_en} at "
                f"{agency_en[0].lower()}{agency_en[1:]} or online on the National Public "
                f"Service Portal; the competent agency appraises the file and returns the "
                f"result under the rules of the {sector_en.lower()} sector."
            ),
            conditions="",
            conditions_en="",
            online_level=online,
            eligible_full_process=online == "full",
            online_payment_required=False,
            e_signed_result=online == "full" and rng.random() < 0.5,
            form_key="",
            related_codes=[],
            levels=[
                {
                    "level": level_no,
                    "implementing_agency": agency_vi,
                    "competent_agency_kind": kind,
                    "competent_agency": agency_vi,
                    "competent_agency_en": agency_en,
                    "delegated_agency": "",
                    "coordinating_agencies": "",
                    "coordinating_agencies_en": "",
                    "receiving_address": "Trung tâm Phục vụ hành chính công hoặc trực tuyến",
                    "receiving_address_en": "The Public Administration Service Centre, or online",
                }
            ],
            results=[
                {
                    "code": f"KQ-{number}",
                    "name": obj_vi[0].upper() + obj_vi[1:],
                    "name_en": obj_en[0].upper() + obj_en[1:],
                    "template": "",
                }
            ],
        )
        version.pop("bundle_parts", None)
        events = [event] if event else []
        if rng.random() < 0.1:
            events.append(rng.choice(["investment", "starting_a_business", "land_and_housing"]))
        procedures.append(
            {
                "code": f"{PREFIX}{number:06d}",
                "name": name[0].upper() + name[1:],
                "name_en": name_en,
                "sector": {"code": f"S-{code}", "name": sector_vi, "name_en": sector_en},
                "applicant_types": rng.choice(
                    [["citizen"], ["citizen", "business"], ["business", "organisation"]]
                ),
                "keywords": keywords,
                "life_events": sorted(set(events)),
                "essential_service": rng.random() < 0.03,
                "ministry": template.get("ministry"),
                "versions": [version],
            }
        )
    return procedures


def load(total: int) -> int:
    """Add synthetic procedures until the catalogue has `total`; returns how many were added."""
    from procedures.models import Procedure
    from procedures.services import catalogue_analyze, procedure_import, search_vocabulary_refresh

    real = Procedure.objects.exclude(code__startswith=PREFIX).count()
    present = set(Procedure.objects.filter(code__startswith=PREFIX).values_list("code", flat=True))
    wanted = synthetic_procedures(max(total - real, 0))
    missing = [data for data in wanted if data["code"] not in present]
    started = time.monotonic()
    for index, data in enumerate(missing, start=1):
        procedure_import(data=data, refresh_vocabulary=False)
        if index % 500 == 0:
            print(f"  {index}/{len(missing)} ({time.monotonic() - started:.0f} s)", file=sys.stderr)
    if missing:
        search_vocabulary_refresh()
        catalogue_analyze()
    return len(missing)


def remove() -> int:
    from procedures.models import Procedure
    from procedures.services import search_vocabulary_refresh

    deleted, _ = Procedure.objects.filter(code__startswith=PREFIX).delete()
    search_vocabulary_refresh()
    return deleted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--total", type=int, default=4400, help="procedures in the catalogue")
    parser.add_argument("--remove", action="store_true", help="delete the synthetic procedures")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")
    import django

    django.setup()
    if args.remove:
        print(f"removed {remove()} rows")
    else:
        print(f"added {load(args.total)} synthetic procedures")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
