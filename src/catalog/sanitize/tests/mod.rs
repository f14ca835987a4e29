mod corpus;
mod css;
mod cuts;
mod fuzz;
mod hostile;
mod structure;
mod support;
mod svg;
