mod corpus;
mod css;
mod cuts;
mod hostile;
mod structure;
mod support;
mod svg;
