mod corpus;
mod css;
mod hostile;
mod structure;
mod support;
mod svg;
