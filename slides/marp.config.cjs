// SPDX-License-Identifier: MIT
// Marp CLI settings for make slides: the project's theme, HTML in the
// bespoke template, and no emoji fetched from a CDN (decks render offline).
module.exports = {
  themeSet: ['./theme/labs.css'],
  theme: 'labs',
  html: false,
  allowLocalFiles: false,
  options: {
    emoji: { shortcode: false, unicode: false },
    math: false,
    minifyCSS: true,
  },
};
