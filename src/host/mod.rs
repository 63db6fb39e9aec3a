//! The hosts the bridge can report to. Today: Streamlit's v1 component iframe protocol.

pub mod streamlit;

pub use streamlit::StreamlitHost;
