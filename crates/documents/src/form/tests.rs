//! The form as a reader and a scanner see it: poppler extracts its text and renders it,
//! rxing reads the barcode back.

use std::process::Command;

use super::*;

fn tool(name: &str) -> Command {
    let found = Command::new("which")
        .arg(name)
        .output()
        .map(|o| o.status.success());
    assert!(
        matches!(found, Ok(true)),
        "{name} (Debian poppler-utils) is needed; .ci/run installs it"
    );
    Command::new(name)
}

fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("form.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = tool("pdftotext").arg(&path).arg("-").output().unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// The first page rendered by poppler as 8-bit grey pixels.
pub(crate) fn rendered_grey(pdf: &[u8], dpi: u32) -> (Vec<u8>, u32, u32) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("form.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = tool("pdftoppm")
        .args(["-gray", "-r", &dpi.to_string(), "-png", "-singlefile"])
        .arg(&path)
        .arg(dir.path().join("page"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let png = image::open(dir.path().join("page.png")).unwrap().to_luma8();
    let (w, h) = png.dimensions();
    (png.into_raw(), w, h)
}

#[test]
fn every_label_and_value_is_real_text_in_the_seed_order() {
    let form = specimen();
    let pdf = render(&form).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    if let Ok(path) = std::env::var("EXAMREG_FORM_PDF") {
        std::fs::write(path, &pdf).unwrap(); // to look at it
    }
    let text = pdf_text(&pdf);
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let labels = [
        "2025年度卫生专业技术资格考试报名申请表",
        "网报号",
        "用户名",
        "验证码",
        "确认考点",
        "基本情况",
        "姓名",
        "性别",
        "出生日期",
        "照片",
        "证件类型",
        "民族",
        "证件编号",
        "联系方式",
        "报考信息",
        "上一年度准考证号",
        "上一年度报考专业及代码",
        "报考级别",
        "专业代码",
        "报考专业",
        "现有技术资格",
        "报考科目",
        "基础知识",
        "相关专业知识",
        "专业知识",
        "专业实践能力",
        "现有技术资格取得时间",
        "执业类别",
        "教育情况",
        "最高学历",
        "学位",
        "毕业时间",
        "学历",
        "毕业学校",
        "学校备注",
        "毕业专业",
        "毕业专业备注",
        "工作情况",
        "单位名称",
        "单位所属",
        "单位性质",
        "从事本专业年限",
        "申报人员签名",
        "现场审核人员签名",
        "审查意见",
        "单位人事部门或档案存放单位审查意见",
        "考场审查意见",
        "省级发证机构审查意见",
        "（盖章）年月日",
        "①上一年度考试部分科目未通过者，如证件号码与上一年度不一致，须向考点申请合并成绩处理。",
        "②申报人员须仔细核对此表后签字确认，一旦确认不得修改。",
        "日期：",
    ];
    for label in labels {
        assert!(
            squeezed.contains(label),
            "label {label} missing from:\n{text}"
        );
    }
    let f = &form.fields;
    for value in [
        &form.registration_no,
        &form.username,
        &form.verification_code,
        &form.point,
        &f.name,
        &f.gender,
        &f.birth_date,
        &f.id_type,
        &f.ethnicity,
        &f.id_number,
        &f.phone,
        &f.previous_ticket_no,
        &f.previous_specialty,
        &f.level,
        &f.specialty_code,
        &f.specialty_name,
        &f.current_qualification,
        &f.current_qualification_date,
        &f.practice_category,
        &f.highest_education,
        &f.degree,
        &f.graduation_date,
        &f.school,
        &f.school_note,
        &f.major,
        &f.major_note,
        &f.employer,
        &f.employer_affiliation,
        &f.employer_nature,
    ] {
        assert!(
            squeezed.contains(value.as_str()),
            "value {value} missing from:\n{text}"
        );
    }
    // The rows come in the seed's order.
    let order = [
        "基本情况",
        "上一年度准考证号",
        "现有技术资格取得时间",
        "最高学历",
        "毕业专业",
        "单位名称",
        "申报人员签名",
        "审查意见",
        "备注：",
    ];
    let positions: Vec<usize> = order.iter().map(|l| squeezed.find(l).unwrap()).collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "{order:?} at {positions:?}"
    );
}

#[test]
fn the_barcode_reads_back_from_the_rendered_page_and_from_a_phone_like_photo() {
    let form = specimen();
    let pdf = render(&form).unwrap();
    let (grey, w, h) = rendered_grey(&pdf, 150);
    assert_eq!(decode_code128(&grey, w, h).unwrap(), form.barcode);

    // A phone photo of the print (a 12-megapixel photo of A4 is about 300 dpi): smaller,
    // blurred, noisy, greyer, upside down, JPEG-compressed.
    let (grey, w, h) = rendered_grey(&pdf, 300);
    let page = image::GrayImage::from_raw(w, h, grey).unwrap();
    let small = image::imageops::resize(
        &page,
        w * 3 / 4,
        h * 3 / 4,
        image::imageops::FilterType::Triangle,
    );
    let mut blurred = image::imageops::blur(&small, 0.7);
    let mut state = 12345u32;
    for pixel in blurred.pixels_mut() {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let noise = ((state >> 16) % 31) as i16 - 15;
        pixel.0[0] = (i16::from(pixel.0[0]) * 85 / 100 + 20 + noise).clamp(0, 255) as u8;
    }
    let turned = image::imageops::rotate180(&blurred);
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 55)
        .encode_image(&turned)
        .unwrap();
    let photo = image::load_from_memory(&jpeg).unwrap().to_luma8();
    let (pw, ph) = photo.dimensions();
    assert_eq!(
        decode_code128(photo.as_raw(), pw, ph).unwrap(),
        form.barcode
    );
}

#[test]
fn a_scan_without_a_barcode_reads_as_not_found() {
    let blank = vec![255u8; 400 * 300];
    assert_eq!(
        decode_code128(&blank, 400, 300),
        Err(BarcodeError::NotFound)
    );
    assert_eq!(
        decode_code128(&blank, 10, 10),
        Err(BarcodeError::NotFound),
        "size mismatch"
    );
}

#[test]
fn very_long_names_stay_inside_their_cells_on_one_page() {
    let mut form = specimen();
    form.fields.employer =
        "上海市浦东新区某某街道社区卫生服务中心附属第二康复护理分院（筹）".repeat(3);
    form.fields.school = "中国人民解放军海军军医大学第二附属医院护理学院继续教育学院".repeat(2);
    let pdf = render(&form).unwrap();
    let text = pdf_text(&pdf);
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(
        squeezed.contains(&form.fields.employer),
        "wrapped, nothing dropped:\n{text}"
    );
    assert_eq!(text.matches('\u{c}').count(), 1, "one page");
}

#[test]
fn a_character_no_font_has_is_reported_not_printed_as_a_box() {
    let mut form = specimen();
    // Extension G (Unicode 13): no bundled face draws U+30000.
    form.fields.name = "吉\u{30000}".into();
    assert_eq!(
        render(&form),
        Err(FormError::MissingGlyphs {
            field: "姓名",
            chars: vec!['\u{30000}']
        })
    );
    assert_eq!(
        FormError::MissingGlyphs {
            field: "姓名",
            chars: vec!['\u{30000}']
        }
        .to_string(),
        "姓名中的「\u{30000}」无法打印"
    );
    assert!(
        missing_glyphs("欧阳䶮 · 上官婉儿 𠮷").is_empty(),
        "Extensions A and B and the middle dot print"
    );
}

/// What poppler reads back from `pdf`, without the spaces and line breaks it adds.
fn read_back(pdf: &[u8]) -> String {
    pdf_text(pdf)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

#[test]
fn every_character_of_the_general_standard_table_prints_and_reads_back() {
    let table: String = include_str!("general_standard_chars.txt")
        .lines()
        .filter(|line| !line.starts_with('#'))
        .collect();
    assert_eq!(table.chars().count(), 8105);
    assert_eq!(missing_glyphs(&table), Vec::<char>::new());
    let pdf = type_specimen(&table).unwrap();
    assert_eq!(read_back(&pdf), table);
}

/// 1,000 characters spread evenly over Extensions B to F (as of Unicode 10, when they were
/// last filled in), each block in proportion to its size.
fn extension_sample() -> String {
    let blocks = [
        0x2_0000..=0x2_A6D6_u32, // B
        0x2_A700..=0x2_B734,     // C
        0x2_B740..=0x2_B81D,     // D
        0x2_B820..=0x2_CEA1,     // E
        0x2_CEB0..=0x2_EBE0,     // F
    ];
    let all: Vec<char> = blocks
        .into_iter()
        .flatten()
        .filter_map(char::from_u32)
        .collect();
    let step = all.len() as f64 / 1000.0;
    (0..1000).map(|n| all[(n as f64 * step) as usize]).collect()
}

#[test]
fn a_thousand_characters_of_extensions_b_to_f_print_and_read_back() {
    let sample = extension_sample();
    assert_eq!(sample.chars().count(), 1000);
    assert_eq!(missing_glyphs(&sample), Vec::<char>::new());
    let pdf = type_specimen(&sample).unwrap();
    assert_eq!(read_back(&pdf), sample);
    // A name set in both faces keeps its order and its place.
    let mut form = specimen();
    form.fields.name = "王𠮷𪚥林".into();
    let text = read_back(&render(&form).unwrap());
    assert!(text.contains("王𠮷𪚥林"), "{text}");
}

#[test]
fn extension_g_is_refused_by_name_not_printed() {
    // No bundled face covers Extension G (see fonts/README.md): every one of its
    // characters is reported, so that a name with one is refused when typed.
    let g: String = (0x3_0000..=0x3_134A_u32)
        .filter_map(char::from_u32)
        .collect();
    let missing = missing_glyphs(&g).len();
    assert!(missing >= 4_930, "{missing} of 4,939 reported");
}

#[test]
fn the_photo_is_embedded() {
    let mut form = specimen();
    let mut jpeg = Vec::new();
    let photo = image::GrayImage::from_fn(300, 420, |x, y| image::Luma([((x + y) % 256) as u8]));
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 80)
        .encode_image(&photo)
        .unwrap();
    form.photo_jpeg = Some(jpeg);
    let with_photo = render(&form).unwrap();
    assert!(
        with_photo.windows(9).any(|w| w == b"DCTDecode"),
        "the JPEG is embedded as is"
    );
    form.photo_jpeg = Some(b"not a jpeg".to_vec());
    assert!(matches!(render(&form), Err(FormError::Photo(_))));
}

/// `docs/application-form.png` shows reviewers of the code what the form looks like.
/// Regenerate with `EXAMREG_UPDATE_DOCS=1 cargo test -p examreg-documents`.
#[test]
fn the_documentation_picture_exists() {
    let png =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/application-form.png");
    if std::env::var_os("EXAMREG_UPDATE_DOCS").is_some() {
        let dir = tempfile::tempdir().unwrap();
        let pdf = dir.path().join("form.pdf");
        std::fs::write(&pdf, render(&specimen()).unwrap()).unwrap();
        let out = tool("pdftoppm")
            .args(["-r", "110", "-png", "-singlefile"])
            .arg(&pdf)
            .arg(png.with_extension(""))
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }
    assert!(
        png.exists(),
        "run with EXAMREG_UPDATE_DOCS=1 to draw {}",
        png.display()
    );
}

/// Every number must read back from a 100 dpi grey scan squeezed into the 150 KB limit,
/// the worst upload the slot accepts.
#[test]
fn barcodes_of_many_numbers_read_back_from_small_scans() {
    for seed in 0..12u64 {
        let mut form = specimen();
        let digits = format!(
            "{:016}",
            1_234_567_890_123_457_u64.wrapping_mul(seed + 7) % 10_000_000_000_000_000
        );
        form.barcode = digits.clone();
        let pdf = render(&form).unwrap();
        let (grey, w, h) = rendered_grey(&pdf, 100);
        let page = image::GrayImage::from_raw(w, h, grey).unwrap();
        let mut quality = 85u8;
        let jpeg = loop {
            let mut out = Vec::new();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
                .encode_image(&page)
                .unwrap();
            if out.len() <= 150 * 1024 || quality <= 30 {
                break out;
            }
            quality -= 5;
        };
        assert_eq!(
            read_barcode_from_jpeg(&jpeg).as_deref(),
            Ok(digits.as_str()),
            "seed {seed}, quality {quality}"
        );
    }
}
