//! Tests of quantity parsing, accessors, display and deserialization.

use super::*;

fn q(s: &str) -> Quantity {
    s.parse()
        .unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
}

/// The table of the semantics reference (§7): input, `Value()`, `MilliValue()`.
#[test]
fn reference_table() {
    let table: &[(&str, i64, i64)] = &[
        ("500m", 1, 500),
        ("1.5", 2, 1500),
        ("2", 2, 2000),
        ("2Gi", 2147483648, 2147483648000),
        ("123Mi", 128974848, 128974848000),
        ("128974848", 128974848, 128974848000),
        ("129e6", 129000000, 129000000000),
        ("129M", 129000000, 129000000000),
        ("1e3", 1000, 1000000),
        ("1.5Ki", 1536, 1536000),
        ("100u", 1, 1),
        (".001", 1, 1),
        ("1.", 1, 1000),
        ("1.G", 1000000000, 1000000000000),
        (".0001k", 1, 100),
        ("0.000000000001Ki", 1, 1),
    ];
    for &(input, value, milli) in table {
        let got = q(input);
        assert_eq!(got.value(), value, "{input} value");
        assert_eq!(got.milli_value(), milli, "{input} milli");
    }
    assert_eq!(q("0.000000000001Ki").as_nanos(), 2);
    assert_eq!(q("0.000000000001Ki").format(), QuantityFormat::DecimalSI);
}

/// Upstream `TestQuantityParse`: input → (nano-units, format).
#[test]
fn upstream_parse_table() {
    use QuantityFormat::*;
    const N: i128 = 1_000_000_000;
    let table: &[(&str, i128, QuantityFormat)] = &[
        ("0", 0, DecimalSI),
        ("0n", 0, DecimalSI),
        ("0Ki", 0, BinarySI),
        ("0T", 0, DecimalSI),
        ("1", N, DecimalSI),
        ("1Ki", 1024 * N, BinarySI),
        ("7Mi", 7 * (1 << 20) * N, BinarySI),
        ("3Ei", 3 * (1 << 60) * N, BinarySI),
        ("5n", 5, DecimalSI),
        ("4u", 4_000, DecimalSI),
        ("3m", 3_000_000, DecimalSI),
        ("50k", 50_000 * N, DecimalSI),
        ("300T", 300_000_000_000_000 * N, DecimalSI),
        ("1E", 1_000_000_000_000_000_000 * N, DecimalSI),
        ("1E-3", 1_000_000, DecimalExponent),
        ("1E18", 1_000_000_000_000_000_000 * N, DecimalExponent),
        ("100.035k", 100_035 * N, DecimalSI),
        ("0.0005k", N / 2, DecimalSI),
        ("0.5e-2", 5_000_000, DecimalExponent),
        ("1.3E+6", 1_300_000 * N, DecimalExponent),
        ("7.123456M", 7_123_456 * N, DecimalSI),
        ("1.01E", 1_010_000_000_000_000_000 * N, DecimalSI),
        ("3.001n", 4, DecimalSI),
        ("1.1E-9", 2, DecimalExponent),
        ("0.0000000001", 1, DecimalSI),
        ("0.00000000050", 1, DecimalSI),
        ("0.9n", 1, DecimalSI),
        ("0.00000012345", 124, DecimalSI),
        ("0.00000012354", 124, DecimalSI),
        ("9Ei", i64::MAX as i128 * N, BinarySI),
        ("9223372036854775807Ki", i64::MAX as i128 * N, BinarySI),
        ("12E", 12_000_000_000_000_000_000 * N, DecimalSI),
        ("100.035Ki", 102_435_840_000_000, BinarySI),
        ("0.5Mi", 524_288 * N, BinarySI),
        ("0.05Gi", 53_687_091_200_000_000, BinarySI),
        (".001", 1_000_000, DecimalSI),
        ("1.G", N * N, DecimalSI),
        (".", 0, DecimalSI),
    ];
    for &(input, nanos, format) in table {
        let got = q(input);
        assert_eq!((got.as_nanos(), got.format()), (nanos, format), "{input}");
        // Every entry also parses with an explicit sign.
        let neg = q(&format!("-{input}"));
        assert_eq!((neg.as_nanos(), neg.format()), (-nanos, format), "-{input}");
        assert_eq!(q(&format!("+{input}")), got, "+{input}");
    }
    // Degenerate numbers parse as zero, as upstream (its scanner needs no digit).
    for input in ["-.", "-", "+", "+.", "000", "Ki", "m", "e3", "-E"] {
        assert!(q(input).is_zero(), "{input}");
    }
}

#[test]
fn invalid_forms() {
    for input in [
        "1.1.M", "1+1.0M", "0.1mi", "0.1am", "aoeu", ".5i", "1i", "-3.01i", "-3.01e-", " 1", "1 ",
        "1K", "1ki", "1KiB", "1Z", "1 Ki", "", "1e", "1e+", "--1", "1.5.",
    ] {
        assert!(
            input.parse::<Quantity>().is_err(),
            "{input:?} should be invalid"
        );
    }
}

#[test]
fn too_large_is_an_error_not_a_panic() {
    for input in [
        "1e30",
        "1e2147483648",
        "200000000000000000000000000000",
        "999999999999E",
    ] {
        assert_eq!(
            input.parse::<Quantity>(),
            Err(QuantityError::TooLarge),
            "{input}"
        );
    }
    // Tiny values round up instead of overflowing.
    assert_eq!(q("1e-2147483648").as_nanos(), 1);
    assert_eq!(
        q("0.000000000000000000000000000000000000000000001Ei").as_nanos(),
        1
    );
    assert_eq!(q("1e20").value(), i64::MAX);
    assert_eq!(q("-1e20").value(), i64::MIN);
}

#[test]
fn canonical_display() {
    for (input, canonical) in [
        ("1.5", "1500m"),
        ("1.5Gi", "1536Mi"),
        ("1024Mi", "1Gi"),
        ("1000M", "1G"),
        (".001Ki", "1024m"),
        (".000000000001Ki", "2n"),
        ("1025", "1025"),
        ("5e21", "5e21"),
        ("80e-3", "80e-3"),
        ("1e3", "1e3"),
        ("1080m", "1080m"),
        ("0", "0"),
        ("-1.08", "-1080m"),
        ("1.234567Ki", "1264196608u"),
    ] {
        assert_eq!(q(input).to_string(), canonical, "{input}");
    }
}

#[test]
fn values_round_up() {
    assert_eq!(q("100.5").value(), 101);
    assert_eq!(q("1n").milli_value(), 1);
    assert_eq!(q("-1.5").value(), -1);
    assert_eq!(q("1Ki"), q("1024"));
    assert!(q("1Mi") > q("1M"));
}

#[test]
fn deserializes_strings_and_numbers() {
    let from_json = |s: &str| serde_json::from_str::<Quantity>(s);
    assert_eq!(from_json("\"500m\"").unwrap(), q("500m"));
    assert_eq!(from_json("4").unwrap(), q("4"));
    assert_eq!(from_json("-4").unwrap(), q("-4"));
    assert_eq!(from_json("0.1").unwrap(), q("100m"));
    assert_eq!(from_json("1e3").unwrap(), q("1000"));
    assert_eq!(from_json("18446744073709551615").unwrap().value(), i64::MAX);
    assert!(from_json("\"1 Ki\"").is_err());
    assert!(from_json("true").is_err());
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    const SUFFIXES: [(&str, i128); 16] = [
        ("n", 1),
        ("u", 1_000),
        ("m", 1_000_000),
        ("", 1_000_000_000),
        ("k", 1_000_000_000_000),
        ("M", 1_000_000_000_000_000),
        ("G", 1_000_000_000_000_000_000),
        ("T", 1_000_000_000_000_000_000_000),
        ("P", 1_000_000_000_000_000_000_000_000),
        ("E", 1_000_000_000_000_000_000_000_000_000),
        ("Ki", 1_000_000_000 << 10),
        ("Mi", 1_000_000_000 << 20),
        ("Gi", 1_000_000_000 << 30),
        ("Ti", 1_000_000_000 << 40),
        ("Pi", 1_000_000_000 << 50),
        ("Ei", 1_000_000_000 << 60),
    ];

    proptest! {
        #[test]
        fn integer_with_suffix_is_exact(n in -1_000_000i64..1_000_000, s in 0..SUFFIXES.len()) {
            let (suffix, scale) = SUFFIXES[s];
            let parsed: Quantity = format!("{n}{suffix}").parse().unwrap();
            let mut expected = i128::from(n) * scale;
            if suffix.ends_with('i') {
                // Binary-SI magnitudes are capped at 2^63-1 units.
                let cap = i128::from(i64::MAX) * 1_000_000_000;
                expected = expected.clamp(-cap, cap);
            }
            prop_assert_eq!(parsed.as_nanos(), expected);
        }

        #[test]
        fn canonical_form_reparses_to_the_same_value(
            n in -1_000_000_000i64..1_000_000_000,
            frac in 0u32..1000,
            s in 0..SUFFIXES.len(),
        ) {
            let text = format!("{n}.{frac:03}{}", SUFFIXES[s].0);
            let q: Quantity = text.parse().unwrap();
            let again: Quantity = q.to_string().parse().unwrap();
            prop_assert_eq!(again, q, "{} -> {}", text, q);
        }

        #[test]
        fn arbitrary_text_never_panics(text in "[-+0-9.eEinumkKMGTPZ ]{0,40}") {
            let _ = text.parse::<Quantity>();
        }
    }
}
