//! Everything a key can do on the dashboard, with its config name and the description the
//! help overlay shows.

macro_rules! actions {
    ($($variant:ident = $name:literal : $desc:literal),* $(,)?) => {
        /// A dashboard action a key can be bound to.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action {
            $($variant),*
        }

        impl Action {
            /// Every action, in help-overlay order.
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];

            /// The key used in `[keys]` and the default keymap file.
            pub fn name(self) -> &'static str {
                match self {
                    $(Action::$variant => $name),*
                }
            }

            /// One line for the help overlay.
            pub fn description(self) -> &'static str {
                match self {
                    $(Action::$variant => $desc),*
                }
            }
        }
    };
}

actions! {
    Quit = "quit": "quit hookwatch",
    Help = "help": "show or hide this help",
    Up = "up": "move up",
    Down = "down": "move down",
    PageUp = "page_up": "move up one page",
    PageDown = "page_down": "move down one page",
    Top = "top": "go to the first line",
    Bottom = "bottom": "go to the last line",
    ToggleFollow = "toggle_follow": "follow the newest delivery on/off",
    ToggleFreeze = "toggle_freeze": "freeze the list (new deliveries wait as +N)",
    Filter = "filter": "edit the filter",
    ClearFilter = "clear_filter": "clear the filter",
    FocusNext = "focus_next": "focus the next pane",
    FocusPrev = "focus_prev": "focus the previous pane",
    NextTab = "next_tab": "next inspector tab",
    PrevTab = "prev_tab": "previous inspector tab",
    ToggleNode = "toggle_node": "expand or collapse the JSON node",
    ExpandNode = "expand_node": "expand the JSON node",
    CollapseNode = "collapse_node": "collapse the JSON node",
    ExpandAll = "expand_all": "expand every JSON node",
    CollapseAll = "collapse_all": "collapse every JSON node",
    Search = "search": "search in the inspector",
    SearchNext = "search_next": "next search match",
    SearchPrev = "search_prev": "previous search match",
    CopyPayload = "copy_payload": "copy the payload",
    CopyHeadersAndPayload = "copy_headers_and_payload": "copy headers and payload",
    CopyNode = "copy_node": "copy the selected JSON node",
    CopyCurl = "copy_curl": "copy as a curl command",
    ExportFixture = "export_fixture": "export the delivery as a fixture file",
    Rerun = "rerun": "re-run handlers on the selected delivery",
    RerunAll = "rerun_all": "re-run handlers on every delivery the filter shows",
    EditReplay = "edit_replay": "edit the payload in $EDITOR and replay it",
}

impl Action {
    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.name() == name)
    }
}
