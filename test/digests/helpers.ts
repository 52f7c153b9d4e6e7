/** Console providers on every channel, so that email, push and sms are routed. */
export const CONSOLE = {
  providers: {
    email: [{ plugin: 'console', name: 'mail-log' }],
    push: [{ plugin: 'console' }],
    sms: [{ plugin: 'console', name: 'sms-log' }],
  },
};
