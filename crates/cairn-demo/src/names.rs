//! Ethnicity, first language and names.
//!
//! Ethnicity codes are the school census main codes (DfE "School census: guide", ethnicity
//! code set). The mix of groups other than White British is loosely that of England's pupil
//! population (DfE "Schools, pupils and their characteristics" 2023/24: about 64% White
//! British, then White Other, Pakistani, Black African, Indian, mixed groups). Names are
//! matched loosely to ethnicity so that pages look like a real register; a few carry
//! apostrophes, hyphens or accents, which real registers do too.

use cairn_domain::Sex;

use crate::draw::{self, DemoRng};

/// Census ethnicity codes other than WBRI, with their relative weight and the share of
/// pupils of that ethnicity with English as an additional language. `None` is "information
/// not yet obtained". Weights need not sum to 1.
const OTHER_ETHNICITIES: [(Option<&str>, f64, f64); 18] = [
    (Some("WOTH"), 0.22, 0.75),
    (Some("WIRI"), 0.01, 0.02),
    (Some("WROM"), 0.02, 0.50),
    (Some("MWBC"), 0.06, 0.03),
    (Some("MWBA"), 0.03, 0.15),
    (Some("MWAS"), 0.05, 0.20),
    (Some("MOTH"), 0.06, 0.30),
    (Some("AIND"), 0.09, 0.70),
    (Some("APKN"), 0.13, 0.75),
    (Some("ABAN"), 0.05, 0.85),
    (Some("AOTH"), 0.04, 0.75),
    (Some("BAFR"), 0.12, 0.55),
    (Some("BCRB"), 0.03, 0.03),
    (Some("BOTH"), 0.02, 0.60),
    (Some("CHNE"), 0.02, 0.80),
    (Some("OOTH"), 0.05, 0.85),
    (Some("REFU"), 0.02, 0.20),
    (None, 0.01, 0.20),
];

/// A few White British pupils still have EAL (a home language other than English).
const WBRI_EAL: f64 = 0.005;

/// Draws a census ethnicity code for a pupil at a school where `diversity` of pupils are not
/// White British.
pub(crate) fn pick_ethnicity(rng: &mut DemoRng, diversity: f64) -> Option<&'static str> {
    if !draw::chance(rng, diversity) {
        return Some("WBRI");
    }
    let weights: Vec<(Option<&'static str>, f64)> = OTHER_ETHNICITIES
        .iter()
        .map(|&(code, weight, _)| (code, weight))
        .collect();
    draw::weighted(rng, &weights).unwrap_or(Some("WOTH"))
}

/// The share of pupils of this ethnicity who have EAL.
pub(crate) fn eal_rate(ethnicity: Option<&str>) -> f64 {
    if ethnicity == Some("WBRI") {
        return WBRI_EAL;
    }
    OTHER_ETHNICITIES
        .iter()
        .find(|(code, _, _)| *code == ethnicity)
        .map_or(0.2, |&(_, _, eal)| eal)
}

/// Name pools: boys' forenames, girls' forenames, surnames.
struct NamePool {
    boys: &'static [&'static str],
    girls: &'static [&'static str],
    surnames: &'static [&'static str],
}

static BRITISH: NamePool = NamePool {
    boys: &[
        "Oliver", "George", "Harry", "Noah", "Jack", "Leo", "Arthur", "Oscar", "Charlie", "Jacob",
        "Thomas", "Alfie", "Freddie", "Archie", "Theo", "Joshua", "William", "James", "Henry",
        "Ethan", "Lucas", "Isaac", "Max", "Finley", "Tommy", "Reggie", "Jude", "Riley", "Logan",
        "Mason", "Dylan", "Samuel", "Lewis", "Ryan", "Callum", "Kai", "Jayden", "Connor", "Daniel",
        "Ben",
    ],
    girls: &[
        "Olivia",
        "Amelia",
        "Isla",
        "Ava",
        "Ivy",
        "Freya",
        "Lily",
        "Florence",
        "Mia",
        "Willow",
        "Rosie",
        "Sophia",
        "Isabella",
        "Grace",
        "Daisy",
        "Sienna",
        "Poppy",
        "Elsie",
        "Emily",
        "Ella",
        "Evie",
        "Phoebe",
        "Ruby",
        "Millie",
        "Chloe",
        "Erin",
        "Holly",
        "Jessica",
        "Lucy",
        "Maisie",
        "Charlotte",
        "Matilda",
        "Harper",
        "Esme",
        "Zoë",
        "Niamh",
        "Megan",
        "Abigail",
        "Hannah",
        "Eleanor",
    ],
    surnames: &[
        "Smith",
        "Jones",
        "Taylor",
        "Brown",
        "Williams",
        "Wilson",
        "Johnson",
        "Davies",
        "Robinson",
        "Wright",
        "Thompson",
        "Evans",
        "Walker",
        "White",
        "Roberts",
        "Green",
        "Hall",
        "Wood",
        "Jackson",
        "Clarke",
        "Patterson",
        "Armstrong",
        "Robson",
        "Charlton",
        "Elliott",
        "Milburn",
        "Dodds",
        "Hedley",
        "Forster",
        "Ridley",
        "Turnbull",
        "Bell",
        "Scott",
        "Graham",
        "Young",
        "Watson",
        "Murray",
        "Hughes",
        "Edwards",
        "Hill",
        "Moore",
        "Cooper",
        "Ward",
        "Morris",
        "King",
        "Baker",
        "Harrison",
        "Martin",
        "Carr",
        "O'Neill",
        "Murphy",
        "Kelly",
        "McDonald",
        "Stephenson",
        "Nicholson",
        "Laidler",
        "Hope",
        "Heron",
        "Straughan",
        "Coulson",
    ],
};

static EASTERN_EUROPEAN: NamePool = NamePool {
    boys: &[
        "Jakub",
        "Szymon",
        "Filip",
        "Kacper",
        "Antoni",
        "Mateusz",
        "Andrei",
        "Stefan",
        "Darius",
        "Mihai",
        "Aleksander",
        "Dawid",
        "Tomasz",
        "Lukas",
        "Matas",
        "Oliwer",
        "Łukasz",
        "Nikola",
    ],
    girls: &[
        "Zuzanna", "Julia", "Maja", "Zofia", "Hanna", "Lena", "Alicja", "Oliwia", "Ioana", "Maria",
        "Elena", "Bianca", "Gabija", "Emilija", "Wiktoria", "Natalia",
    ],
    surnames: &[
        "Nowak",
        "Wójcik",
        "Kaczmarek",
        "Mazur",
        "Krawczyk",
        "Zając",
        "Król",
        "Popescu",
        "Ionescu",
        "Dumitru",
        "Stan",
        "Munteanu",
        "Horváth",
        "Novák",
        "Petrauskas",
        "Balan",
    ],
};

static INDIAN: NamePool = NamePool {
    boys: &[
        "Arjun", "Aarav", "Rohan", "Dev", "Vihaan", "Krish", "Aryan", "Harjot", "Gurveer", "Rishi",
        "Kabir", "Jai", "Ishaan", "Sahil",
    ],
    girls: &[
        "Priya", "Anaya", "Diya", "Saanvi", "Simran", "Kavya", "Isha", "Navneet", "Harleen",
        "Riya", "Meera", "Anika", "Jasmeet", "Tara",
    ],
    surnames: &[
        "Patel", "Sharma", "Singh", "Gill", "Sandhu", "Shah", "Mistry", "Kumar", "Gupta",
        "Chauhan", "Dhillon", "Bains", "Parmar", "Joshi",
    ],
};

static SOUTH_ASIAN_MUSLIM: NamePool = NamePool {
    boys: &[
        "Muhammad", "Ibrahim", "Yusuf", "Ayaan", "Zayn", "Hamza", "Ali", "Umar", "Adam", "Musa",
        "Rayyan", "Ismail", "Abdullah", "Zakariya", "Bilal",
    ],
    girls: &[
        "Maryam", "Aisha", "Fatima", "Zara", "Hafsa", "Amira", "Khadija", "Inaya", "Safa", "Hania",
        "Noor", "Sumaiya", "Mariam", "Iqra",
    ],
    surnames: &[
        "Khan",
        "Hussain",
        "Ahmed",
        "Ali",
        "Akhtar",
        "Iqbal",
        "Mahmood",
        "Rahman",
        "Uddin",
        "Miah",
        "Islam",
        "Chowdhury",
        "Shah",
        "Javed",
        "Rashid",
        "Begum",
    ],
};

static AFRICAN: NamePool = NamePool {
    boys: &[
        "Emmanuel",
        "David",
        "Daniel",
        "Samuel",
        "Tobi",
        "Chidi",
        "Kwame",
        "Kofi",
        "Abdirahman",
        "Mohamed",
        "Joshua",
        "Ayo",
        "Tunde",
        "Ebuka",
        "Elijah",
    ],
    girls: &[
        "Precious", "Blessing", "Favour", "Adaeze", "Amara", "Chioma", "Esther", "Abena", "Ifeoma",
        "Deborah", "Hodan", "Ayan", "Zainab", "Grace", "Nia",
    ],
    surnames: &[
        "Okafor", "Adeyemi", "Mensah", "Okonkwo", "Boateng", "Osei", "Adebayo", "Nwosu", "Eze",
        "Asante", "Ogunleye", "Abdi", "Hassan", "Mohamed", "Owusu", "Bello",
    ],
};

static CHINESE: NamePool = NamePool {
    boys: &[
        "Wei", "Jun", "Hao", "Yi", "Zihan", "Ethan", "Ryan", "Jason", "Kai", "Eric",
    ],
    girls: &[
        "Mei", "Xin", "Yan", "Hui", "Jia", "Chloe", "Grace", "Emily", "Ying", "Tina",
    ],
    surnames: &[
        "Wang", "Li", "Zhang", "Chen", "Liu", "Yang", "Huang", "Wong", "Chan", "Lam", "Ng",
        "Cheung", "Leung", "Ho",
    ],
};

static MIDDLE_EASTERN: NamePool = NamePool {
    boys: &[
        "Omar", "Ahmad", "Karim", "Yousef", "Ali", "Hassan", "Amir", "Sami", "Ziad", "Reza",
        "Dara", "Aram",
    ],
    girls: &[
        "Layla", "Sara", "Yasmin", "Nour", "Rania", "Leila", "Hana", "Dina", "Mina", "Salma",
        "Shirin", "Rojin",
    ],
    surnames: &[
        "Haddad", "Al-Sayed", "Karimi", "Rahimi", "Nasser", "Saleh", "Mansour", "Hosseini", "Aziz",
        "Abbas", "Ahmadi", "Mustafa",
    ],
};

/// The pool a pupil's forename is drawn from, and the pool for the surname.
fn pools(rng: &mut DemoRng, ethnicity: Option<&str>) -> (&'static NamePool, &'static NamePool) {
    let mixed = |rng: &mut DemoRng, other: &'static NamePool| {
        let forename = if draw::chance(rng, 0.7) {
            &BRITISH
        } else {
            other
        };
        let surname = if draw::chance(rng, 0.6) {
            &BRITISH
        } else {
            other
        };
        (forename, surname)
    };
    match ethnicity {
        Some("WOTH" | "WROM") => (&EASTERN_EUROPEAN, &EASTERN_EUROPEAN),
        Some("AIND") => (&INDIAN, &INDIAN),
        Some("APKN" | "ABAN") => (&SOUTH_ASIAN_MUSLIM, &SOUTH_ASIAN_MUSLIM),
        Some("AOTH") => {
            if draw::chance(rng, 0.5) {
                (&INDIAN, &INDIAN)
            } else {
                (&SOUTH_ASIAN_MUSLIM, &SOUTH_ASIAN_MUSLIM)
            }
        }
        Some("BAFR" | "BOTH") => (&AFRICAN, &AFRICAN),
        Some("CHNE") => (&CHINESE, &CHINESE),
        Some("OOTH") => (&MIDDLE_EASTERN, &MIDDLE_EASTERN),
        Some("MWBC" | "MWBA") => mixed(rng, &AFRICAN),
        Some("MWAS") => mixed(rng, &SOUTH_ASIAN_MUSLIM),
        _ => (&BRITISH, &BRITISH),
    }
}

/// A forename and surname for a pupil; about one British surname in thirty is
/// double-barrelled.
pub(crate) fn pick_names(rng: &mut DemoRng, ethnicity: Option<&str>, sex: Sex) -> (String, String) {
    let (forenames, surnames) = pools(rng, ethnicity);
    let forename_pool = match sex {
        Sex::Male => forenames.boys,
        Sex::Female => forenames.girls,
    };
    let forename = draw::one_of(rng, forename_pool).unwrap_or("Alex");
    let surname = draw::one_of(rng, surnames.surnames).unwrap_or("Smith");
    let surname = if std::ptr::eq(surnames, &BRITISH) && draw::chance(rng, 1.0 / 30.0) {
        let second = draw::one_of(rng, BRITISH.surnames).unwrap_or("Smith");
        if second == surname {
            surname.to_owned()
        } else {
            format!("{surname}-{second}")
        }
    } else {
        surname.to_owned()
    };
    (forename.to_owned(), surname)
}
