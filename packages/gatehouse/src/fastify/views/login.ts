/** The login view's failure message, where it used to live (the view itself is in `src/http/views`). */
export { INVALID_LOGIN } from '../../http/views/login.js';
