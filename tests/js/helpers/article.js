"use strict";
// The article's example device and requests, shared by the end-to-end suites.

// A device provisioned for the legacy formats too (the schema's default is
// the authenticated format alone).
const ALL_FORMATS = "passphrase,raw,auth";

module.exports = {
    ALL_FORMATS,
    // The demo device; {"SEQN":120} under its key is the article's request.
    ARTICLE: { id: "12FA", key: "2B7E151628AED2A6ABF7158809CF4F3C", seqn: 0, formats: ALL_FORMATS },
    ARTICLE_SET_SEQN_BODY: "{\"msg\":\"U2FsdGVkX1+VRlCORJjs2mxxTljfcdu6Z7G8JVyFx7b+jaqKMLeBx4ecLQnjUOYp\"}",
    // The ESP8266 firmware's message as its code writes it (spacing included).
    FIRMWARE_MESSAGE: "{\"data\":{\"value\":-40}, \"SEQN\":4 , \"msg\":\"IT WORKS!!\" }"
};
