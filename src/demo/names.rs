//! Fixed vocabularies: the product taxonomy, brands, regions, names.

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Season {
    AllYear,
    Summer,
    Winter,
    Holiday,
}

impl Season {
    pub fn as_str(self) -> &'static str {
        match self {
            Season::AllYear => "all_year",
            Season::Summer => "summer",
            Season::Winter => "winter",
            Season::Holiday => "holiday",
        }
    }
}

use Season::{AllYear as A, Holiday as H, Summer as S, Winter as W};

/// One kind of item (several SKUs are made of each: brands and pack sizes).
pub struct Item {
    pub name: &'static str,
    pub season: Season,
    /// Typical shelf price of a standard pack.
    pub price: f64,
}

pub struct Subcategory {
    pub name: &'static str,
    pub items: &'static [Item],
}

pub struct Category {
    pub name: &'static str,
    pub subcategories: &'static [Subcategory],
    /// Demand on local event days is boosted for these categories (drinks, snacks).
    pub event_boost: bool,
}

pub struct Department {
    pub name: &'static str,
    pub categories: &'static [Category],
    /// Share of SKUs in each demand class: fast, regular, slow, lumpy.
    pub class_mix: [f64; 4],
    /// Typical share of sold units returned.
    pub return_rate: f64,
    /// Daily probability that one unit on hand disappears (theft, damage, spoilage).
    pub shrink: f64,
    pub perishable: bool,
    pub brands: &'static [&'static str],
    pub variants: &'static [(&'static str, f64)],
    pub return_reasons: &'static [(&'static str, f64)],
}

macro_rules! item {
    ($n:expr, $s:expr, $p:expr) => {
        Item {
            name: $n,
            season: $s,
            price: $p,
        }
    };
}

const FOOD_REASONS: &[(&str, f64)] = &[("quality", 0.5), ("expired", 0.3), ("damaged", 0.2)];
const GOODS_REASONS: &[(&str, f64)] = &[
    ("defective", 0.35),
    ("damaged", 0.25),
    ("changed_mind", 0.4),
];
const APPAREL_REASONS: &[(&str, f64)] = &[
    ("wrong_size", 0.5),
    ("changed_mind", 0.3),
    ("defective", 0.1),
    ("not_as_described", 0.1),
];

pub const DEPARTMENTS: &[Department] = &[
    Department {
        name: "Grocery",
        categories: &[
            Category {
                name: "Pasta & Rice",
                event_boost: false,
                subcategories: &[
                    Subcategory {
                        name: "Pasta",
                        items: &[
                            item!("Spaghetti", A, 1.49),
                            item!("Penne", A, 1.49),
                            item!("Lasagne Sheets", A, 1.99),
                        ],
                    },
                    Subcategory {
                        name: "Pasta Sauce",
                        items: &[
                            item!("Tomato Pasta Sauce", A, 2.29),
                            item!("Basil Pesto", A, 2.79),
                        ],
                    },
                    Subcategory {
                        name: "Rice",
                        items: &[
                            item!("Basmati Rice", A, 2.49),
                            item!("Risotto Rice", A, 2.99),
                        ],
                    },
                ],
            },
            Category {
                name: "Breakfast",
                event_boost: false,
                subcategories: &[
                    Subcategory {
                        name: "Cereal",
                        items: &[
                            item!("Corn Flakes", A, 2.69),
                            item!("Muesli", A, 3.49),
                            item!("Porridge Oats", W, 1.89),
                        ],
                    },
                    Subcategory {
                        name: "Spreads",
                        items: &[
                            item!("Strawberry Jam", A, 2.19),
                            item!("Honey", A, 3.99),
                            item!("Peanut Butter", A, 2.99),
                        ],
                    },
                ],
            },
            Category {
                name: "Snacks",
                event_boost: true,
                subcategories: &[
                    Subcategory {
                        name: "Crisps",
                        items: &[
                            item!("Salted Crisps", A, 1.79),
                            item!("Tortilla Chips", A, 1.99),
                        ],
                    },
                    Subcategory {
                        name: "Dips",
                        items: &[item!("Salsa Dip", A, 2.49), item!("Guacamole", S, 2.99)],
                    },
                    Subcategory {
                        name: "Confectionery",
                        items: &[
                            item!("Milk Chocolate Bar", A, 1.29),
                            item!("Gummy Bears", A, 1.49),
                            item!("Chocolate Gift Box", H, 7.99),
                        ],
                    },
                ],
            },
            Category {
                name: "Baking",
                event_boost: false,
                subcategories: &[Subcategory {
                    name: "Baking Supplies",
                    items: &[
                        item!("Plain Flour", A, 1.19),
                        item!("Gingerbread Mix", H, 3.49),
                        item!("Baking Spice Mix", H, 2.49),
                    ],
                }],
            },
        ],
        class_mix: [0.25, 0.45, 0.22, 0.08],
        return_rate: 0.004,
        shrink: 0.0008,
        perishable: false,
        brands: &[
            "Golden Field",
            "Casa Nonna",
            "Morning Farm",
            "Hearthside",
            "Blue Hill",
            "Aisle Select",
        ],
        variants: &[
            ("250 g", 0.6),
            ("500 g", 1.0),
            ("1 kg", 1.8),
            ("Organic 500 g", 1.5),
        ],
        return_reasons: FOOD_REASONS,
    },
    Department {
        name: "Fresh",
        categories: &[
            Category {
                name: "Dairy",
                event_boost: false,
                subcategories: &[
                    Subcategory {
                        name: "Milk & Yogurt",
                        items: &[item!("Whole Milk", A, 1.09), item!("Greek Yogurt", A, 1.69)],
                    },
                    Subcategory {
                        name: "Cheese",
                        items: &[
                            item!("Parmesan", A, 3.99),
                            item!("Mozzarella", A, 1.49),
                            item!("Cheddar", A, 2.79),
                        ],
                    },
                ],
            },
            Category {
                name: "Bakery",
                event_boost: false,
                subcategories: &[Subcategory {
                    name: "Bread",
                    items: &[
                        item!("Sourdough Loaf", A, 2.89),
                        item!("Burger Buns", S, 1.59),
                        item!("Stollen", H, 6.99),
                    ],
                }],
            },
            Category {
                name: "Produce",
                event_boost: false,
                subcategories: &[
                    Subcategory {
                        name: "Fruit",
                        items: &[
                            item!("Bananas", A, 1.29),
                            item!("Strawberries", S, 2.99),
                            item!("Watermelon", S, 3.49),
                            item!("Clementines", W, 2.49),
                        ],
                    },
                    Subcategory {
                        name: "Vegetables",
                        items: &[
                            item!("Tomatoes", A, 1.99),
                            item!("Salad Leaves", S, 1.49),
                            item!("Potatoes", A, 2.29),
                        ],
                    },
                ],
            },
            Category {
                name: "Meat & Fish",
                event_boost: false,
                subcategories: &[
                    Subcategory {
                        name: "Barbecue",
                        items: &[
                            item!("Burger Patties", S, 4.49),
                            item!("Grill Sausages", S, 3.99),
                        ],
                    },
                    Subcategory {
                        name: "Meat",
                        items: &[
                            item!("Chicken Breast", A, 5.49),
                            item!("Minced Beef", A, 4.99),
                            item!("Roast Turkey", H, 24.99),
                        ],
                    },
                    Subcategory {
                        name: "Fish",
                        items: &[item!("Salmon Fillet", A, 6.49)],
                    },
                ],
            },
        ],
        class_mix: [0.4, 0.4, 0.15, 0.05],
        return_rate: 0.006,
        shrink: 0.003,
        perishable: true,
        brands: &[
            "Meadow Valley",
            "Green Acre",
            "Harbour Catch",
            "Old Mill",
            "Aisle Fresh",
        ],
        variants: &[("Standard", 1.0), ("Large", 1.6), ("Organic", 1.4)],
        return_reasons: FOOD_REASONS,
    },
    Department {
        name: "Beverages",
        categories: &[
            Category {
                name: "Soft Drinks",
                event_boost: true,
                subcategories: &[
                    Subcategory {
                        name: "Soda",
                        items: &[item!("Cola", A, 1.69), item!("Lemonade", S, 1.49)],
                    },
                    Subcategory {
                        name: "Water & Iced Tea",
                        items: &[
                            item!("Sparkling Water", A, 0.79),
                            item!("Iced Tea", S, 1.39),
                        ],
                    },
                ],
            },
            Category {
                name: "Beer & Wine",
                event_boost: true,
                subcategories: &[
                    Subcategory {
                        name: "Beer",
                        items: &[item!("Lager", A, 1.29), item!("Pale Ale", A, 1.89)],
                    },
                    Subcategory {
                        name: "Wine",
                        items: &[
                            item!("Red Wine", A, 7.99),
                            item!("Rose Wine", S, 6.99),
                            item!("Sparkling Wine", H, 9.99),
                            item!("Mulled Wine", W, 4.99),
                        ],
                    },
                ],
            },
            Category {
                name: "Hot Drinks",
                event_boost: false,
                subcategories: &[Subcategory {
                    name: "Coffee & Tea",
                    items: &[
                        item!("Ground Coffee", A, 5.49),
                        item!("Tea Bags", A, 2.99),
                        item!("Hot Chocolate", W, 3.29),
                    ],
                }],
            },
        ],
        class_mix: [0.35, 0.4, 0.15, 0.10],
        return_rate: 0.003,
        shrink: 0.0012,
        perishable: false,
        brands: &[
            "Fizzwell",
            "Brookline",
            "Highland Brew",
            "Vineyard Row",
            "Aisle Select",
        ],
        variants: &[
            ("330 ml", 0.6),
            ("1.5 l", 1.0),
            ("6 x 330 ml", 3.0),
            ("750 ml", 1.2),
        ],
        return_reasons: FOOD_REASONS,
    },
    Department {
        name: "Household",
        categories: &[
            Category {
                name: "Cleaning",
                event_boost: false,
                subcategories: &[Subcategory {
                    name: "Detergents",
                    items: &[
                        item!("Dish Soap", A, 1.99),
                        item!("Laundry Detergent", A, 8.99),
                        item!("Surface Cleaner", A, 2.49),
                    ],
                }],
            },
            Category {
                name: "Paper",
                event_boost: false,
                subcategories: &[Subcategory {
                    name: "Paper Goods",
                    items: &[
                        item!("Toilet Paper", A, 4.99),
                        item!("Kitchen Towels", A, 2.99),
                    ],
                }],
            },
            Category {
                name: "Outdoor & Seasonal",
                event_boost: false,
                subcategories: &[
                    Subcategory {
                        name: "Barbecue Supplies",
                        items: &[item!("Charcoal", S, 6.99), item!("Firelighters", S, 2.49)],
                    },
                    Subcategory {
                        name: "Winter Care",
                        items: &[
                            item!("Ice Scraper", W, 3.99),
                            item!("De-Icer Spray", W, 4.49),
                        ],
                    },
                ],
            },
        ],
        class_mix: [0.15, 0.45, 0.25, 0.15],
        return_rate: 0.01,
        shrink: 0.0006,
        perishable: false,
        brands: &["Sparkle", "Homebright", "Softleaf", "Aisle Basics"],
        variants: &[("Standard", 1.0), ("Value Pack", 2.2), ("Refill", 0.8)],
        return_reasons: GOODS_REASONS,
    },
    Department {
        name: "Health & Beauty",
        categories: &[
            Category {
                name: "Oral Care",
                event_boost: false,
                subcategories: &[Subcategory {
                    name: "Toothcare",
                    items: &[item!("Toothpaste", A, 2.49), item!("Toothbrush", A, 2.99)],
                }],
            },
            Category {
                name: "Hair Care",
                event_boost: false,
                subcategories: &[Subcategory {
                    name: "Shampoo & Conditioner",
                    items: &[item!("Shampoo", A, 3.99), item!("Conditioner", A, 3.99)],
                }],
            },
            Category {
                name: "Skin Care",
                event_boost: false,
                subcategories: &[Subcategory {
                    name: "Lotions",
                    items: &[
                        item!("Sunscreen", S, 8.99),
                        item!("Hand Cream", W, 3.49),
                        item!("Lip Balm", W, 2.29),
                    ],
                }],
            },
        ],
        class_mix: [0.12, 0.45, 0.33, 0.10],
        return_rate: 0.015,
        shrink: 0.0015,
        perishable: false,
        brands: &["Purelle", "Dentiva", "Silkroot", "Aisle Care"],
        variants: &[("Travel", 0.5), ("Standard", 1.0), ("Duo Pack", 1.8)],
        return_reasons: GOODS_REASONS,
    },
    Department {
        name: "Home & Garden",
        categories: &[
            Category {
                name: "Garden",
                event_boost: false,
                subcategories: &[Subcategory {
                    name: "Gardening",
                    items: &[
                        item!("Garden Hose", S, 19.99),
                        item!("Flower Seeds", S, 2.49),
                        item!("Plant Pot", A, 6.99),
                    ],
                }],
            },
            Category {
                name: "Kitchenware",
                event_boost: false,
                subcategories: &[Subcategory {
                    name: "Cookware",
                    items: &[
                        item!("Frying Pan", A, 24.99),
                        item!("Storage Box Set", A, 12.99),
                    ],
                }],
            },
            Category {
                name: "Decoration",
                event_boost: false,
                subcategories: &[Subcategory {
                    name: "Festive Decoration",
                    items: &[
                        item!("Fairy Lights", H, 14.99),
                        item!("Tree Baubles", H, 9.99),
                        item!("Scented Candle", W, 7.99),
                    ],
                }],
            },
        ],
        class_mix: [0.05, 0.35, 0.45, 0.15],
        return_rate: 0.03,
        shrink: 0.0005,
        perishable: false,
        brands: &["Greenthumb", "Cookwell", "Lumen & Co", "Aisle Home"],
        variants: &[("Small", 0.7), ("Medium", 1.0), ("Large", 1.5)],
        return_reasons: GOODS_REASONS,
    },
    Department {
        name: "Apparel",
        categories: &[
            Category {
                name: "Outerwear",
                event_boost: false,
                subcategories: &[Subcategory {
                    name: "Jackets & Accessories",
                    items: &[
                        item!("Winter Jacket", W, 79.99),
                        item!("Rain Jacket", A, 49.99),
                        item!("Wool Scarf", W, 19.99),
                    ],
                }],
            },
            Category {
                name: "Basics",
                event_boost: false,
                subcategories: &[Subcategory {
                    name: "Everyday Wear",
                    items: &[
                        item!("Cotton T-Shirt", A, 9.99),
                        item!("Sports Socks", A, 6.99),
                        item!("Swim Shorts", S, 17.99),
                    ],
                }],
            },
        ],
        class_mix: [0.05, 0.3, 0.5, 0.15],
        return_rate: 0.09,
        shrink: 0.0012,
        perishable: false,
        brands: &["Northline", "Urban Thread", "Coastal", "Aisle Wear"],
        variants: &[("S", 1.0), ("M", 1.0), ("L", 1.0), ("XL", 1.05)],
        return_reasons: APPAREL_REASONS,
    },
    Department {
        name: "Electronics",
        categories: &[
            Category {
                name: "Accessories",
                event_boost: false,
                subcategories: &[Subcategory {
                    name: "Phone & Power",
                    items: &[
                        item!("Phone Charger", A, 14.99),
                        item!("USB-C Cable", A, 7.99),
                        item!("AA Batteries", A, 5.99),
                        item!("Wireless Earbuds", A, 39.99),
                    ],
                }],
            },
            Category {
                name: "Small Appliances",
                event_boost: false,
                subcategories: &[Subcategory {
                    name: "Appliances",
                    items: &[
                        item!("Electric Kettle", A, 29.99),
                        item!("Desk Fan", S, 24.99),
                        item!("Fan Heater", W, 34.99),
                    ],
                }],
            },
        ],
        class_mix: [0.05, 0.3, 0.45, 0.2],
        return_rate: 0.05,
        shrink: 0.0015,
        perishable: false,
        brands: &["Voltix", "Kestrel", "Ampere", "Aisle Tech"],
        variants: &[("Basic", 0.8), ("Standard", 1.0), ("Pro", 1.6)],
        return_reasons: GOODS_REASONS,
    },
    Department {
        name: "Toys & Seasonal",
        categories: &[
            Category {
                name: "Toys",
                event_boost: false,
                subcategories: &[Subcategory {
                    name: "Games & Toys",
                    items: &[
                        item!("Building Blocks", H, 24.99),
                        item!("Board Game", H, 19.99),
                        item!("Plush Bear", A, 12.99),
                        item!("Water Pistol", S, 5.99),
                    ],
                }],
            },
            Category {
                name: "Seasonal",
                event_boost: false,
                subcategories: &[Subcategory {
                    name: "Seasonal Gifts",
                    items: &[
                        item!("Advent Calendar", H, 9.99),
                        item!("Sledge", W, 29.99),
                        item!("Beach Ball", S, 3.99),
                    ],
                }],
            },
        ],
        class_mix: [0.05, 0.3, 0.45, 0.2],
        return_rate: 0.04,
        shrink: 0.001,
        perishable: false,
        brands: &["Playmore", "Jollybox", "Tinker & Co", "Aisle Kids"],
        variants: &[("Standard", 1.0), ("Deluxe", 1.5)],
        return_reasons: GOODS_REASONS,
    },
];

/// Complement groups by item name: the first is the anchor, the others are added to its baskets.
pub const COMPLEMENT_RULES: &[&[&str]] = &[
    &["Spaghetti", "Tomato Pasta Sauce", "Parmesan"],
    &["Penne", "Basil Pesto"],
    &["Lasagne Sheets", "Minced Beef", "Mozzarella"],
    &["Tortilla Chips", "Salsa Dip", "Lager"],
    &["Salted Crisps", "Pale Ale"],
    &["Burger Patties", "Burger Buns", "Charcoal"],
    &["Grill Sausages", "Firelighters"],
    &["Corn Flakes", "Whole Milk"],
    &["Muesli", "Greek Yogurt"],
    &["Toothpaste", "Toothbrush"],
    &["Shampoo", "Conditioner"],
    &["Phone Charger", "USB-C Cable"],
    &["Fairy Lights", "AA Batteries"],
    &["Roast Turkey", "Potatoes", "Red Wine"],
];

/// Items always present even at tiny scales, so every season and launch pattern exists.
pub const PRIORITY_ITEMS: &[&str] = &[
    "Advent Calendar",
    "Hot Chocolate",
    "Sunscreen",
    "Winter Jacket",
    "Lemonade",
    "Bananas",
    "Cola",
    "Wireless Earbuds",
    "Gingerbread Mix",
    "Desk Fan",
];

/// Regions: name, climate, mean temperature, seasonal amplitude, wet-day probability,
/// centre latitude and longitude.
pub struct RegionSpec {
    pub name: &'static str,
    pub climate: &'static str,
    pub mean_temp: f64,
    pub amplitude: f64,
    pub wet: f64,
    pub lat: f64,
    pub lon: f64,
}

pub const REGIONS: &[RegionSpec] = &[
    RegionSpec {
        name: "North",
        climate: "cool",
        mean_temp: 7.5,
        amplitude: 8.5,
        wet: 0.42,
        lat: 57.0,
        lon: -3.5,
    },
    RegionSpec {
        name: "South",
        climate: "warm",
        mean_temp: 13.5,
        amplitude: 8.0,
        wet: 0.28,
        lat: 50.8,
        lon: 0.2,
    },
    RegionSpec {
        name: "East",
        climate: "continental",
        mean_temp: 9.5,
        amplitude: 11.0,
        wet: 0.30,
        lat: 52.6,
        lon: 1.4,
    },
    RegionSpec {
        name: "West",
        climate: "maritime",
        mean_temp: 10.5,
        amplitude: 6.0,
        wet: 0.50,
        lat: 51.6,
        lon: -3.8,
    },
    RegionSpec {
        name: "Central",
        climate: "temperate",
        mean_temp: 10.0,
        amplitude: 8.5,
        wet: 0.35,
        lat: 52.5,
        lon: -1.9,
    },
    RegionSpec {
        name: "Northeast",
        climate: "cool",
        mean_temp: 8.5,
        amplitude: 8.0,
        wet: 0.38,
        lat: 55.0,
        lon: -1.6,
    },
    RegionSpec {
        name: "Northwest",
        climate: "maritime",
        mean_temp: 9.5,
        amplitude: 7.0,
        wet: 0.48,
        lat: 53.5,
        lon: -2.5,
    },
    RegionSpec {
        name: "Southwest",
        climate: "mild",
        mean_temp: 11.5,
        amplitude: 6.5,
        wet: 0.44,
        lat: 50.5,
        lon: -4.2,
    },
];

pub const TOWNS: &[&str] = &[
    "Ashford",
    "Bramley",
    "Castleton",
    "Dunmore",
    "Elmstead",
    "Fairhaven",
    "Glenwood",
    "Harrowgate",
    "Ivybridge",
    "Kingsmere",
    "Lindale",
    "Marshfield",
    "Northam",
    "Oakridge",
    "Pennington",
    "Queensbury",
    "Riverton",
    "Stonebridge",
    "Thornbury",
    "Upton",
    "Valewood",
    "Westcliff",
    "Yarrow",
    "Zennor",
];

pub const FIRST_NAMES: &[&str] = &[
    "alex", "sam", "jordan", "taylor", "morgan", "casey", "jamie", "robin", "charlie", "drew",
    "emma", "olivia", "noah", "liam", "mia", "sofia", "lucas", "amelia", "leo", "isla", "ava",
    "ethan", "grace", "henry", "ivy", "jack", "lily", "max", "nora", "oscar", "ruby", "theo",
    "zara", "aisha", "omar", "priya", "chen", "yuki", "mateo", "elena",
];

pub const LAST_NAMES: &[&str] = &[
    "smith", "jones", "brown", "taylor", "wilson", "davies", "evans", "thomas", "johnson",
    "roberts", "walker", "wright", "robinson", "thompson", "white", "hughes", "edwards", "green",
    "hall", "wood", "harris", "lewis", "martin", "jackson", "clarke", "clark", "turner", "hill",
    "scott", "cooper", "morris", "ward", "moore", "king", "watson", "baker", "harrison", "morgan",
    "patel", "young",
];

pub const EMAIL_DOMAINS: &[&str] = &["example.com", "example.net", "example.org", "mail.example"];

pub const SUPPLIER_NAMES: &[&str] = &[
    "Acme Foods",
    "Borealis Trading",
    "Crescent Supply",
    "Delta Provisions",
    "Evergreen Goods",
    "Fjord Imports",
    "Granite Wholesale",
    "Harbor Distributors",
    "Indigo Brands",
    "Juniper Partners",
    "Keystone Merchants",
    "Lakeside Produce",
    "Meridian Imports",
    "Nimbus Manufacturing",
    "Orchard Growers",
    "Pioneer Packaging",
];

pub const SUPPLIER_COUNTRIES: &[(&str, i64, i64)] = &[
    // country, nominal lead time range (days)
    ("GB", 2, 5),
    ("NL", 4, 8),
    ("DE", 5, 9),
    ("ES", 6, 11),
    ("CN", 10, 21),
];

pub const EVENT_KINDS: &[(&str, &[&str])] = &[
    (
        "festival",
        &[
            "Summer Festival",
            "Food Festival",
            "Music Festival",
            "Harbour Festival",
        ],
    ),
    (
        "sports",
        &["Cup Final", "Marathon", "Derby Match", "Cycling Race"],
    ),
    ("concert", &["Open-Air Concert", "Stadium Concert"]),
    (
        "market",
        &["Farmers Market", "Christmas Market", "Street Fair"],
    ),
];
