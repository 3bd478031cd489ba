//! The browser's side of the app (wasm32 only): the page's address and local storage,
//! files in and out, the clipboard, and what the page (web/index.html) and the
//! end-to-end check (web/e2e.sh) read from the DOM. Every call tolerates a missing
//! browser feature: the app runs on without it.

use super::GuiOptions;
use crate::progress::Progress;
use crate::scenario::Scenario;
use crate::share::SharedRun;
use std::cell::RefCell;
use std::process::ExitCode;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// Where the last session's link is kept, so a reload without a link resumes it.
const SESSION_KEY: &str = "faaslab.session";

/// The page's entry (there is no command line): opens the link in the address, or the
/// last session, or the default scenario. A link that cannot be opened is said so in
/// the app, which then shows the default scenario.
pub fn open(mut options: GuiOptions) -> Result<ExitCode, String> {
    install_panic_hook();
    if query().contains("report") {
        return write_report();
    }
    let from_address = location_fragment();
    let (fragment, remembered) = match from_address {
        Some(f) => (Some(f), false),
        None => (stored_session(), true),
    };
    if let Some(fragment) = fragment {
        match SharedRun::decode(&fragment).and_then(|run| run.open().map(|_| ())) {
            Ok(()) => options.link = Some(fragment),
            Err(e) => {
                web_sys::console::warn_1(&format!("faaslab: cannot open the link: {e}").into());
                if remembered {
                    // A stored session this version cannot open would fail every visit.
                    forget_session();
                }
                let what = if remembered { "The last session" } else { "This link" };
                options.notice = Some(format!("{what} could not be opened, so the default scenario is shown.\n\n{e}"));
            }
        }
    }
    super::run(Scenario::default_scenario(), options)
}

/// `?report`: run the scenario (from the link, else the default) to its end without
/// drawing and put the JSON report in the page, for the check that the browser and
/// a native build give the same report.
fn write_report() -> Result<ExitCode, String> {
    let scenario = match location_fragment() {
        Some(fragment) => SharedRun::decode(&fragment).and_then(|run| run.open())?,
        None => Scenario::default_scenario(),
    };
    // As `faaslab run` does.
    let json = crate::headless::run(scenario, &crate::headless::RunOptions::default())?.report.to_json();
    if let Some(document) = document()
        && let Ok(pre) = document.create_element("pre")
    {
        pre.set_id("faaslab-report");
        pre.set_text_content(Some(&json));
        if let Some(body) = document.body() {
            let _ = body.append_child(&pre);
            body.dataset().set("faaslab", "report").ok();
        }
    }
    web_sys::console::log_1(&"faaslab: report written".into());
    Ok(ExitCode::SUCCESS)
}

/// Panics go to the console and into the page, in words (the canvas just freezes
/// otherwise). Bevy installs its own hook when its plugins are added, so this runs
/// again after them.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = format!("faaslab stopped with an internal error (a panic): {info}");
        web_sys::console::error_1(&message.clone().into());
        let Some(document) = document() else { return };
        if let Some(body) = document.body() {
            body.dataset().set("faaslab", "panicked").ok();
        }
        if let Some(element) = document.get_element_by_id("faaslab-error") {
            element.set_text_content(Some(&format!("{message}\n\nReload the page to start again.")));
            let _ = element.remove_attribute("hidden");
        }
    }));
}

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

fn document() -> Option<web_sys::Document> {
    window()?.document()
}

fn query() -> String {
    window().and_then(|w| w.location().search().ok()).unwrap_or_default()
}

/// The address's fragment (after `#`), if any.
fn location_fragment() -> Option<String> {
    let hash = window()?.location().hash().ok()?;
    let fragment = hash.trim_start_matches('#');
    (!fragment.is_empty()).then(|| fragment.to_string())
}

fn local_storage() -> Option<web_sys::Storage> {
    window()?.local_storage().ok().flatten()
}

fn stored_session() -> Option<String> {
    local_storage()?.get_item(SESSION_KEY).ok().flatten().filter(|s| !s.is_empty())
}

/// Keeps `fragment` as the last session (storage may be off: private windows).
pub fn remember_session(fragment: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(SESSION_KEY, fragment);
    }
}

/// Where the progress record (`crate::progress`) is kept, and where a record that
/// cannot be read is moved (never dropped silently).
const PROGRESS_KEY: &str = "faaslab.progress";
const PROGRESS_BAD_KEY: &str = "faaslab.progress.bad";

/// The stored progress record (empty when there is none or storage is off). One that
/// cannot be read is moved to `faaslab.progress.bad`, and the error says so.
pub fn load_progress() -> Result<Progress, String> {
    let Some(storage) = local_storage() else { return Ok(Progress::default()) };
    let Some(text) = storage.get_item(PROGRESS_KEY).ok().flatten() else { return Ok(Progress::default()) };
    Progress::from_json(&text).map_err(|e| {
        if storage.set_item(PROGRESS_BAD_KEY, &text).is_err() {
            return format!(
                "Your stored progress could not be used ({e}) nor kept aside, so it is left as it is and \
                 progress is not saved this session."
            );
        }
        let _ = storage.remove_item(PROGRESS_KEY);
        format!(
            "Your stored progress could not be used ({e}). It was kept in local storage as \
             {PROGRESS_BAD_KEY} and progress starts afresh."
        )
    })
}

/// Saves `progress` merged with the stored record (another tab may have saved since).
pub fn save_progress(progress: &Progress) -> Result<Progress, String> {
    let storage = local_storage().ok_or("this browser keeps no local storage: progress is not saved")?;
    let mut merged = load_progress()?;
    merged.merge(progress);
    storage.set_item(PROGRESS_KEY, &merged.to_json()).map_err(|_| "the browser refused to save the progress")?;
    Ok(merged)
}

fn forget_session() {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(SESSION_KEY);
    }
}

/// The full address that opens `fragment`; the address bar shows it too (without
/// reloading), so copying the address shares the run as well.
pub fn show_link(fragment: &str) -> String {
    let Some(window) = window() else { return format!("#{fragment}") };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&format!("#{fragment}")));
    }
    let location = window.location();
    let origin = location.origin().unwrap_or_default();
    let path = location.pathname().unwrap_or_default();
    format!("{origin}{path}#{fragment}")
}

/// Puts `text` in the clipboard (the browser may refuse: the link stays on screen).
pub fn copy_to_clipboard(text: &str) {
    if let Some(window) = window() {
        let _ = window.navigator().clipboard().write_text(text);
    }
}

/// Opens `fragment` in place of the current run: the page reloads on it.
pub fn reload_with(fragment: &str) {
    let Some(window) = window() else { return };
    remember_session(fragment);
    let _ = window.location().set_hash(fragment);
    let _ = window.location().reload();
}

/// Offers `text` as a file download named `file_name`.
pub fn download(file_name: &str, text: &str) -> Result<(), String> {
    download_bytes(file_name, text.as_bytes(), "text/plain;charset=utf-8")
}

/// Offers `bytes` (of the MIME type `kind`) as a file download named `file_name`.
pub fn download_bytes(file_name: &str, bytes: &[u8], kind: &str) -> Result<(), String> {
    let fail = |what: &str| format!("the browser refused to save the file ({what})");
    let document = document().ok_or_else(|| fail("no document"))?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(kind);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(|_| fail("blob"))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| fail("object URL"))?;
    let anchor: web_sys::HtmlAnchorElement =
        document.create_element("a").map_err(|_| fail("link"))?.dyn_into().map_err(|_| fail("link"))?;
    anchor.set_href(&url);
    anchor.set_download(file_name);
    anchor.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

thread_local! {
    /// A file the user picked, (name, text or why it could not be read), until the
    /// app takes it: the browser hands it over asynchronously.
    static PICKED: RefCell<Option<(String, Result<String, String>)>> = const { RefCell::new(None) };
}

/// Asks the user for a .ron file; `take_picked_file` gets it once read.
pub fn pick_ron_file() -> Result<(), String> {
    let fail = |what: &str| format!("the browser cannot open a file picker ({what})");
    let document = document().ok_or_else(|| fail("no document"))?;
    let input: web_sys::HtmlInputElement =
        document.create_element("input").map_err(|_| fail("input"))?.dyn_into().map_err(|_| fail("input"))?;
    input.set_type("file");
    input.set_accept(".ron,text/plain");
    let picker = input.clone();
    let on_change = Closure::once_into_js(move || {
        let Some(file) = picker.files().and_then(|files| files.get(0)) else { return };
        let name = file.name();
        wasm_bindgen_futures::spawn_local(async move {
            let text = wasm_bindgen_futures::JsFuture::from(file.text()).await;
            let text = match text.ok().and_then(|t| t.as_string()) {
                Some(text) => Ok(text),
                None => Err(format!("{name}: the browser could not read the file as text")),
            };
            PICKED.with(|p| *p.borrow_mut() = Some((name, text)));
        });
    });
    input.set_onchange(Some(on_change.unchecked_ref()));
    input.click();
    Ok(())
}

/// The file the user picked, once the browser has read it.
pub fn take_picked_file() -> Option<(String, Result<String, String>)> {
    PICKED.with(|p| p.borrow_mut().take())
}

/// What the end-to-end check reads: the knobs set (`name=value;...`) and the scenario.
pub fn publish_state(scenario: &str, knobs: &[(String, String)]) {
    let Some(body) = document().and_then(|d| d.body()) else { return };
    let pairs: Vec<String> = knobs.iter().map(|(n, v)| format!("{n}={v}")).collect();
    let data = body.dataset();
    data.set("scenario", scenario).ok();
    data.set("knobs", &pairs.join(";")).ok();
}

/// A value for the page and the end-to-end check: `data-KEY` on the page's body.
pub fn publish(key: &str, value: &str) {
    if let Some(body) = document().and_then(|d| d.body()) {
        body.dataset().set(key, value).ok();
    }
}

/// A message the app shows on opening (a link it could not open), for the check.
pub fn publish_notice(notice: &str) {
    publish("notice", notice);
}

/// Tells the page the app is drawing: it hides the loading screen, and the
/// end-to-end check waits for this. Records how long the first frames took.
pub fn report_running() {
    let since_navigation = window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0);
    if let Some(body) = document().and_then(|d| d.body()) {
        let data = body.dataset();
        data.set("firstFrameMs", &format!("{since_navigation:.0}")).ok();
        data.set("faaslab", "running").ok();
    }
    web_sys::console::log_1(
        &format!("faaslab: running (first frames drawn {since_navigation:.0} ms after navigation)").into(),
    );
}
