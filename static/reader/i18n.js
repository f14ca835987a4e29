// The reader's strings (English and French), given to the shared language module.
import { useStrings } from "../common.js";
import en from "./i18n/en.js";
import fr from "./i18n/fr.js";

useStrings({ en, fr });
