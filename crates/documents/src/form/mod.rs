//! The application form (申请表): one A4 page reproducing the seed's form, with real text in
//! the bundled CJK font, the photo, and a Code128 barcode.
//!
//! The caller supplies every printed value as text ([`ApplicationForm`]); this module only
//! lays it out. Text that does not fit a cell is shrunk, then wrapped, never drawn outside
//! it. A character the font cannot draw is reported ([`FormError::MissingGlyphs`]) before
//! anything is drawn, so no form ever carries a blank box where a name should be.

mod barcode;
mod font;
mod layout;
mod pen;

pub use barcode::{BarcodeError, decode_code128, read_barcode_from_jpeg};
pub use font::missing_glyphs;

use krilla::Document;
use krilla::geom::Rect;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;

use layout::{Align, Cell};
use pen::Pen;

/// Everything printed on the form, as text.
#[derive(Debug, Clone, Default)]
pub struct ApplicationForm {
    /// 2025年度卫生专业技术资格考试 报名申请表.
    pub title: String,
    pub registration_no: String,
    pub username: String,
    /// 验证码.
    pub verification_code: String,
    /// 确认考点.
    pub point: String,
    /// What the barcode encodes (digits).
    pub barcode: String,
    /// Printed in the footer: which revision this is and when it was printed.
    pub footer: String,
    /// The confirmed registration photo.
    pub photo_jpeg: Option<Vec<u8>>,
    pub fields: FormFields,
    /// 基础知识, 相关专业知识, 专业知识, 专业实践能力: registered or not.
    pub subjects: [bool; 4],
}

/// The values of the form's cells, named after the seed's labels.
#[derive(Debug, Clone, Default)]
pub struct FormFields {
    pub name: String,
    pub gender: String,
    pub birth_date: String,
    pub id_type: String,
    pub ethnicity: String,
    pub id_number: String,
    pub phone: String,
    pub previous_ticket_no: String,
    pub previous_specialty: String,
    pub level: String,
    pub specialty_code: String,
    pub specialty_name: String,
    pub current_qualification: String,
    pub current_qualification_date: String,
    pub practice_category: String,
    pub highest_education: String,
    pub degree: String,
    pub graduation_date: String,
    pub education: String,
    pub school: String,
    pub school_note: String,
    pub major: String,
    pub major_note: String,
    pub employer: String,
    pub employer_affiliation: String,
    pub employer_nature: String,
    pub years_in_specialty: String,
}

/// The four subjects in the seed's order.
pub const SUBJECTS: [&str; 4] = ["基础知识", "相关专业知识", "专业知识", "专业实践能力"];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FormError {
    /// Characters of a field that the bundled font does not have.
    #[error("{field}中的「{}」无法打印", chars.iter().collect::<String>())]
    MissingGlyphs {
        field: &'static str,
        chars: Vec<char>,
    },
    #[error("the bundled font cannot be read")]
    Font,
    #[error("the photo cannot be embedded: {0}")]
    Photo(String),
    #[error("the barcode cannot be encoded: {0}")]
    Barcode(String),
    #[error("the PDF cannot be written: {0}")]
    Pdf(String),
}

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const LEFT: f32 = 42.0;
const TABLE_W: f32 = PAGE_W - 2.0 * LEFT;
/// The column of block names (基本情况 …), written top to bottom.
const GROUP_W: f32 = 24.0;
const INNER_W: f32 = TABLE_W - GROUP_W;
const ROW_H: f32 = 26.0;
const TEXT_SIZE: f32 = 9.5;

/// A filled-in form with made-up data: for the documentation's picture, the benchmark and
/// tests. The name has an Extension A character (䶮) on purpose.
pub fn specimen() -> ApplicationForm {
    ApplicationForm {
        title: "2025年度卫生专业技术资格考试 报名申请表".into(),
        registration_no: "250012345678".into(),
        username: "zhangsan88".into(),
        verification_code: "K7M2-QX9P-03".into(),
        point: "黄浦区".into(),
        barcode: "2500123456780003".into(),
        footer: "第 3 版 · 打印于 2024-11-20 10:15".into(),
        photo_jpeg: None,
        fields: FormFields {
            name: "欧阳䶮".into(),
            gender: "女".into(),
            birth_date: "1990-03-07".into(),
            id_type: "居民身份证".into(),
            ethnicity: "汉族".into(),
            id_number: "31010119900307123X".into(),
            phone: "13812345678".into(),
            previous_ticket_no: "2401234567".into(),
            previous_specialty: "主管护师（368）".into(),
            level: "中级".into(),
            specialty_code: "368".into(),
            specialty_name: "护理学".into(),
            current_qualification: "护师".into(),
            current_qualification_date: "2018-06-30".into(),
            practice_category: "护士".into(),
            highest_education: "大学本科".into(),
            degree: "学士".into(),
            graduation_date: "2012-07-01".into(),
            education: "大学本科".into(),
            school: "复旦大学".into(),
            school_note: "原上海医科大学".into(),
            major: "护理学".into(),
            major_note: "四年制".into(),
            employer: "上海市第一人民医院".into(),
            employer_affiliation: "上海市卫生健康委员会".into(),
            employer_nature: "公立医疗机构".into(),
            years_in_specialty: "8".into(),
        },
        subjects: [true, true, false, true],
    }
}

/// Renders the form as a one-page PDF.
pub fn render(form: &ApplicationForm) -> Result<Vec<u8>, FormError> {
    check_glyphs(form)?;
    let font = font::bundled().ok_or(FormError::Font)?;
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(form.title.clone())
            .creator("examreg".to_owned())
            .language("zh-CN".to_owned()),
    );
    let settings =
        PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| FormError::Pdf("page size".into()))?;
    let mut page = document.start_page_with(settings);
    let mut surface = page.surface();
    let mut pen = Pen::new(&mut surface, font);

    pen.text_centered(&form.title, 16.0, PAGE_W / 2.0, 62.0);
    draw_header(&mut pen, form)?;
    let mut y = 122.0;
    y = draw_basic(&mut pen, form, y)?;
    y = draw_exam(&mut pen, form, y);
    y = draw_education_and_work(&mut pen, form, y);
    y = draw_signatures(&mut pen, y);
    y = draw_review(&mut pen, y);

    let notes = [
        "备注：① 上一年度考试部分科目未通过者，如证件号码与上一年度不一致，须向考点申请合并成绩处理。",
        "② 申报人员须仔细核对此表后签字确认，一旦确认不得修改。",
    ];
    pen.text(notes[0], 8.5, LEFT, y + 16.0);
    pen.text(notes[1], 8.5, LEFT + 32.0, y + 30.0);
    pen.text(
        "日期：        年      月      日",
        10.0,
        PAGE_W - LEFT - 170.0,
        y + 56.0,
    );
    pen.text(&form.footer, 7.0, LEFT, PAGE_H - 24.0);
    surface.finish();
    page.finish();
    document
        .finish()
        .map_err(|e| FormError::Pdf(format!("{e:?}")))
}

fn check_glyphs(form: &ApplicationForm) -> Result<(), FormError> {
    let f = &form.fields;
    let fields: [(&'static str, &str); 30] = [
        ("用户名", &form.username),
        ("确认考点", &form.point),
        ("姓名", &f.name),
        ("性别", &f.gender),
        ("出生日期", &f.birth_date),
        ("证件类型", &f.id_type),
        ("民族", &f.ethnicity),
        ("证件编号", &f.id_number),
        ("联系方式", &f.phone),
        ("上一年度准考证号", &f.previous_ticket_no),
        ("上一年度报考专业及代码", &f.previous_specialty),
        ("报考级别", &f.level),
        ("专业代码", &f.specialty_code),
        ("报考专业", &f.specialty_name),
        ("现有技术资格", &f.current_qualification),
        ("现有技术资格取得时间", &f.current_qualification_date),
        ("执业类别", &f.practice_category),
        ("最高学历", &f.highest_education),
        ("学位", &f.degree),
        ("毕业时间", &f.graduation_date),
        ("学历", &f.education),
        ("毕业学校", &f.school),
        ("学校备注", &f.school_note),
        ("毕业专业", &f.major),
        ("毕业专业备注", &f.major_note),
        ("单位名称", &f.employer),
        ("单位所属", &f.employer_affiliation),
        ("单位性质", &f.employer_nature),
        ("从事本专业年限", &f.years_in_specialty),
        ("标题", &form.title),
    ];
    for (field, text) in fields {
        let chars = missing_glyphs(text);
        if !chars.is_empty() {
            return Err(FormError::MissingGlyphs { field, chars });
        }
    }
    Ok(())
}

/// `text` set 40 characters a line, 50 lines a page, through the form's own pen: what
/// the fonts print, for the tests to read back.
#[cfg(test)]
pub(crate) fn type_specimen(text: &str) -> Result<Vec<u8>, FormError> {
    let font = font::bundled().ok_or(FormError::Font)?;
    let mut document = Document::new();
    let chars: Vec<char> = text.chars().collect();
    for page_chars in chars.chunks(40 * 50) {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
            .ok_or_else(|| FormError::Pdf("page size".into()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        let mut pen = Pen::new(&mut surface, font);
        for (n, line) in page_chars.chunks(40).enumerate() {
            let line: String = line.iter().collect();
            pen.text(&line, 12.0, LEFT, 50.0 + 15.0 * n as f32);
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| FormError::Pdf(format!("{e:?}")))
}

fn draw_header(pen: &mut Pen<'_, '_>, form: &ApplicationForm) -> Result<(), FormError> {
    pen.text(
        &format!(
            "网报号：{}    用户名：{}",
            form.registration_no, form.username
        ),
        10.0,
        LEFT,
        92.0,
    );
    pen.text(
        &format!(
            "验证码：{}    确认考点：{}",
            form.verification_code, form.point
        ),
        10.0,
        LEFT,
        108.0,
    );
    let modules = barcode::modules(&form.barcode)?;
    let module_w = 1.5; // 2 pixels a module at 100 dpi: a scan squeezed under 150 KB still reads
    let width = modules.len() as f32 * module_w;
    let x = PAGE_W - LEFT - width;
    pen.bars(&modules, x, 76.0, module_w, 30.0);
    pen.text_centered(&form.barcode, 7.0, x + width / 2.0, 115.0);
    Ok(())
}

fn draw_basic(pen: &mut Pen<'_, '_>, form: &ApplicationForm, top: f32) -> Result<f32, FormError> {
    let f = &form.fields;
    let row_h = 32.0;
    let photo_w = 88.0;
    let rows: [&[Cell<'_>]; 3] = [
        &[
            Cell::label("姓名", 46.0),
            Cell::value(&f.name, 86.0),
            Cell::label("性别", 40.0),
            Cell::value(&f.gender, 50.0),
            Cell::label("出生日期", 60.0),
            Cell::value(&f.birth_date, 117.0),
        ],
        &[
            Cell::label("证件类型", 46.0),
            Cell::value(&f.id_type, 136.0),
            Cell::label("民族", 60.0),
            Cell::value(&f.ethnicity, 157.0),
        ],
        &[
            Cell::label("证件编号", 46.0),
            Cell::value(&f.id_number, 136.0),
            Cell::label("联系方式", 60.0),
            Cell::value(&f.phone, 157.0),
        ],
    ];
    let mut y = top;
    for row in rows {
        pen.row(row, LEFT + GROUP_W, y, row_h);
        y += row_h;
    }
    // The photo cell beside the three rows.
    let photo = Rect::from_xywh(LEFT + TABLE_W - photo_w, top, photo_w, y - top);
    pen.rect(photo);
    match &form.photo_jpeg {
        Some(bytes) => pen.photo(bytes, LEFT + TABLE_W - photo_w, top, photo_w, y - top)?,
        None => pen.text_centered(
            "照片",
            TEXT_SIZE,
            LEFT + TABLE_W - photo_w / 2.0,
            top + 48.0,
        ),
    }
    pen.group("基本情况", top, y);
    Ok(y)
}

fn draw_exam(pen: &mut Pen<'_, '_>, form: &ApplicationForm, top: f32) -> f32 {
    let f = &form.fields;
    let left_w = INNER_W - 146.0;
    let rows: [&[Cell<'_>]; 4] = [
        &[
            Cell::label("上一年度准考证号", 110.0),
            Cell::value(&f.previous_ticket_no, left_w - 110.0),
        ],
        &[
            Cell::label("上一年度报考专业及代码", 110.0),
            Cell::value(&f.previous_specialty, left_w - 110.0),
        ],
        &[
            Cell::label("报考级别", 60.0),
            Cell::value(&f.level, 110.0),
            Cell::label("专业代码", 60.0),
            Cell::value(&f.specialty_code, left_w - 230.0),
        ],
        &[
            Cell::label("报考专业", 110.0),
            Cell::value(&f.specialty_name, left_w - 110.0),
        ],
    ];
    let mut y = top;
    let subjects_x = LEFT + GROUP_W + left_w;
    for (row, (subject, chosen)) in rows.iter().zip(SUBJECTS.iter().zip(form.subjects)) {
        pen.row(row, LEFT + GROUP_W, y, ROW_H);
        pen.row(
            &[
                Cell::label(subject, 84.0),
                Cell::value(if chosen { "报考" } else { "—" }, 34.0).centered(),
            ],
            subjects_x + 28.0,
            y,
            ROW_H,
        );
        y += ROW_H;
    }
    pen.rect(Rect::from_xywh(subjects_x, top, 28.0, y - top));
    pen.vertical("报考科目", subjects_x + 14.0, top, y);
    let rest: [&[Cell<'_>]; 2] = [
        &[
            Cell::label("现有技术资格", 110.0),
            Cell::value(&f.current_qualification, INNER_W - 110.0),
        ],
        &[
            Cell::label("现有技术资格取得时间", 110.0),
            Cell::value(&f.current_qualification_date, 133.0),
            Cell::label("执业类别", 110.0),
            Cell::value(&f.practice_category, INNER_W - 353.0),
        ],
    ];
    for row in rest {
        pen.row(row, LEFT + GROUP_W, y, ROW_H);
        y += ROW_H;
    }
    pen.group("报考信息", top, y);
    y
}

fn pair_row<'a>(l1: &'a str, v1: &'a str, l2: &'a str, v2: &'a str) -> [Cell<'a>; 4] {
    [
        Cell::label(l1, 110.0),
        Cell::value(v1, 133.0),
        Cell::label(l2, 110.0),
        Cell::value(v2, INNER_W - 353.0),
    ]
}

fn draw_education_and_work(pen: &mut Pen<'_, '_>, form: &ApplicationForm, top: f32) -> f32 {
    let f = &form.fields;
    let education = [
        pair_row("最高学历", &f.highest_education, "学位", &f.degree),
        pair_row("毕业时间", &f.graduation_date, "学历", &f.education),
        pair_row("毕业学校", &f.school, "学校备注", &f.school_note),
        pair_row("毕业专业", &f.major, "毕业专业备注", &f.major_note),
    ];
    let mut y = top;
    for row in &education {
        pen.row(row, LEFT + GROUP_W, y, ROW_H);
        y += ROW_H;
    }
    pen.group("教育情况", top, y);
    let work_top = y;
    let work = [
        pair_row("单位名称", &f.employer, "单位所属", &f.employer_affiliation),
        pair_row(
            "单位性质",
            &f.employer_nature,
            "从事本专业年限",
            &f.years_in_specialty,
        ),
    ];
    for row in &work {
        pen.row(row, LEFT + GROUP_W, y, ROW_H);
        y += ROW_H;
    }
    pen.group("工作情况", work_top, y);
    y
}

fn draw_signatures(pen: &mut Pen<'_, '_>, top: f32) -> f32 {
    let mut y = top;
    for label in ["申报人员签名", "现场审核人员签名"] {
        pen.row(
            &[
                Cell::label(label, GROUP_W + 110.0),
                Cell::value("", INNER_W - 110.0),
            ],
            LEFT,
            y,
            34.0,
        );
        y += 34.0;
    }
    y
}

fn draw_review(pen: &mut Pen<'_, '_>, top: f32) -> f32 {
    let height = 118.0;
    let column_w = INNER_W / 3.0;
    let columns = [
        "单位人事部门或档案存放单位审查意见",
        "考场审查意见",
        "省级发证机构审查意见",
    ];
    for (i, heading) in columns.iter().enumerate() {
        let x = LEFT + GROUP_W + column_w * i as f32;
        pen.rect(Rect::from_xywh(x, top, column_w, height));
        pen.cell_text(
            heading,
            Rect::from_xywh(x, top, column_w, 30.0),
            Align::Center,
        );
        pen.text_right(
            "（盖章）    年    月    日",
            TEXT_SIZE,
            x + column_w - 6.0,
            top + height - 10.0,
        );
    }
    let bottom = top + height;
    pen.group("审查意见", top, bottom);
    bottom
}

#[cfg(test)]
mod tests;
