"""Item texts for the demo bundle: short social-media posts and RLHF comparison pairs.

Every sentence here was written for labelaudit (no scraped posts). Posts come in three
kinds that drive the planted effects in :mod:`labelaudit.sample.generate`:

* ``neutral``: everyday posts, rarely judged toxic;
* ``toxic``: insults aimed at a person or group (no slurs: the demo must be shareable);
* ``banter``: mock insults among friends and football rivals, the subset one region's
  raters read differently.

Each post is a sentence plus an optional same-language tail, so a few dozen sentences give
a few hundred distinct posts while staying long enough (>= 8 words) for language detection.
"""

from __future__ import annotations

#: language -> kind -> sentences
POSTS: dict[str, dict[str, list[str]]] = {
    "en": {
        "neutral": [
            "Finally finished repainting the kitchen and it only took three whole weekends.",
            "The bus was forty minutes late again this morning, so I walked to work instead.",
            "Does anyone know a good place to get a bike repaired near the old market?",
            "My grandmother turned ninety today and she still beat all of us at cards.",
            "Tried making bread from scratch for the first time and it actually rose.",
            "The library is giving away free seeds this week if you bring your own envelope.",
            "Power has been out in our street since last night and nobody has told us why.",
            "Just saw the new exhibition at the museum, the photography room alone is worth it.",
            "Our team finally shipped the release after two months of late nights, time to sleep.",
            "Can someone explain why the price of rice went up again this month?",
            "The rain stopped just long enough for the kids to play outside for an hour.",
            "Reminder that the community clean-up starts at nine on Saturday near the river.",
        ],
        "toxic": [
            "People like you are the reason this country is falling apart, just shut up and leave.",
            "Nobody asked for your opinion, you are too stupid to understand basic facts.",
            "Anyone who votes for that party is a brainless sheep and deserves what is coming.",
            "Go back to whatever hole you crawled out of, nobody here wants you around.",
            "You are a pathetic excuse for a journalist and everyone knows you lie for money.",
            "Women like her should stay off the internet if they cannot handle real criticism.",
        ],
        "banter": [
            "Imagine supporting a club that has not won anything since your dad had hair, clowns.",
            "My best mate just missed an open goal from two metres, I am never letting him forget it.",
            "You call that cooking? My dog would refuse to eat that, you absolute donkey.",
            "Shut up you muppet, you said the exact same thing last season and we still beat you.",
            "Lost the pub quiz to my little brother again, the kid is a menace and I hate him.",
            "Your team parked the bus for ninety minutes and still lost, cowards the lot of them.",
        ],
    },
    "es": {
        "neutral": [
            "Hoy por fin terminé de ordenar la casa y me siento mucho más tranquila.",
            "¿Alguien sabe si el metro funciona con normalidad mañana por la mañana?",
            "Mi abuela hizo tamales para toda la familia y no sobró ni uno solo.",
            "El concierto de anoche fue increíble, todavía no puedo creer que los vi en vivo.",
        ],
        "toxic": [
            "Eres un inútil y un mentiroso, nadie en este país te quiere escuchar.",
            "Gente como tú debería largarse de aquí, das asco y vergüenza a todos.",
            "Cállate de una vez, tus opiniones son tan estúpidas como tú mismo.",
        ],
        "banter": [
            "Tu equipo no gana un clásico desde que existía el fax, qué pena me dais, pechofríos.",
            "Mi primo falló un penal sin portero, qué manco eres hermano, te quiero igual.",
            "Otra vez perdiste en la cancha contra los viejos del barrio, eres un desastre total.",
            "Jugaste como nunca y perdiste como siempre, cabezón, mañana te toca pagar las empanadas.",
            "Eres tan malo en el fútbol que hasta tu perro te hace caños en el patio.",
        ],
    },
    "pt": {
        "neutral": [
            "Hoje o trânsito estava impossível, levei duas horas para chegar no trabalho.",
            "Alguém tem uma receita boa de pão de queijo que não dê errado?",
            "A feira do bairro voltou neste domingo e estava cheia de frutas fresquinhas.",
            "Meu filho aprendeu a andar de bicicleta hoje e eu quase chorei de emoção.",
        ],
        "toxic": [
            "Você é um idiota sem caráter e devia sumir das redes de uma vez.",
            "Gente como você só atrasa este país, cala a boca e vai embora daqui.",
            "Ninguém aguenta mais as suas mentiras, seu verme nojento e covarde.",
        ],
        "banter": [
            "Seu time é tão ruim que até o goleiro pediu para ficar no banco, que vergonha.",
            "Perdeu de novo no futebol de quinta, seu perna de pau, a cerveja é por sua conta.",
            "Meu irmão é um pato no videogame, perdeu para a nossa avó de novo hoje.",
            "Vocês comemoraram um empate como se fosse título, bando de chorões, até domingo.",
            "Meu amigo é tão ruim de bola que até a bola foge dele, coitado do rapaz.",
        ],
    },
    "fr": {
        "neutral": [
            "Il a plu toute la journée mais le marché du samedi était quand même plein de monde.",
            "Quelqu'un connaît un bon boulanger près de la gare qui ouvre le dimanche matin ?",
            "Ma fille a joué son premier match de handball ce week-end et elle a marqué deux buts.",
            "La grève des trains est prévue jeudi, pensez à vous organiser pour aller au travail.",
            "On a enfin trouvé un appartement avec un balcon, je suis tellement contente.",
        ],
        "toxic": [
            "Tu es vraiment un abruti fini, personne ne veut lire tes commentaires débiles.",
            "Les gens comme toi devraient se taire et retourner d'où ils viennent.",
            "Quelle bande d'incapables, vous êtes la honte de ce pays et de cette ville.",
        ],
    },
    "de": {
        "neutral": [
            "Heute hatte die Bahn wieder eine Stunde Verspätung und niemand hat es angesagt.",
            "Kennt jemand einen guten Zahnarzt in der Nähe vom Hauptbahnhof, der neue Patienten nimmt?",
            "Wir haben am Wochenende mit den Kindern Kürbisse geschnitzt und es war herrlich chaotisch.",
            "Der neue Park am Fluss ist endlich eröffnet und am Abend ist es dort wunderschön.",
            "Mein Opa hat mir gestern gezeigt, wie man ein Fahrrad richtig repariert.",
        ],
        "toxic": [
            "Du bist so ein erbärmlicher Idiot, halt einfach deinen Mund und verschwinde.",
            "Leute wie du sind der Grund, warum dieses Land den Bach runtergeht.",
            "Was für ein dummes Geschwätz, geh zurück in dein Loch und bleib dort.",
        ],
    },
    "hi": {
        "neutral": [
            "आज बारिश की वजह से पूरी सड़क पर पानी भर गया और बस दो घंटे देर से आई।",
            "क्या किसी को पता है कि कल बाज़ार खुला रहेगा या छुट्टी रहेगी?",
            "मेरी माँ ने आज घर पर गरम समोसे बनाए और सबने मिलकर खाए।",
            "हमारे मोहल्ले में नई लाइब्रेरी खुली है जहाँ बच्चे मुफ़्त में किताबें पढ़ सकते हैं।",
        ],
        "toxic": [
            "तुम जैसे बेवकूफ़ लोगों की वजह से ही यह देश पीछे रह गया है, चुप रहो।",
            "तुम्हारी बकवास कोई नहीं सुनना चाहता, यहाँ से निकल जाओ और वापस मत आना।",
        ],
    },
    "id": {
        "neutral": [
            "Hari ini macet parah sekali, saya butuh dua jam untuk sampai ke kantor.",
            "Ada yang tahu warung bakso enak di dekat stasiun yang buka sampai malam?",
            "Anak saya baru saja belajar naik sepeda dan sekarang dia tidak mau berhenti.",
            "Pasar malam di kampung kami ramai sekali minggu ini, banyak makanan murah.",
        ],
        "toxic": [
            "Dasar bodoh, orang seperti kamu tidak pantas bicara soal politik di sini.",
            "Kamu itu pembohong besar, tutup mulutmu dan pergi saja dari grup ini.",
        ],
    },
    "sw": {
        "neutral": [
            "Leo mvua imenyesha sana na barabara zote za mtaa wetu zimejaa maji.",
            "Kuna mtu anajua duka zuri la kutengeneza simu karibu na soko kuu la mji?",
            "Bibi yangu amepika pilau tamu sana leo na familia nzima imekula pamoja.",
            "Timu yetu ya mpira wa miguu imeshinda mechi ya leo na mashabiki wanafurahi sana.",
            "Shule ya watoto wangu itafungwa wiki ijayo kwa ajili ya likizo fupi.",
        ],
        "toxic": [
            "Wewe ni mjinga kabisa, nyamaza na uondoke kwenye kundi hili mara moja.",
            "Watu kama wewe ndio wanaoharibu nchi hii, hakuna anayetaka kusikia upuuzi wako.",
            "Acha uongo wako, wewe ni mwongo na mwizi, kila mtu anajua ukweli.",
        ],
    },
}

#: same-language endings that turn one sentence into several distinct posts
TAILS: dict[str, list[str]] = {
    "en": [
        "",
        " lol",
        " Honestly.",
        " #MondayMood",
        " Thoughts?",
        " Just saying.",
        " Unreal.",
        " 🙃",
    ],
    "es": ["", " jaja", " En serio.", " #lunes", " ¿Qué opinan?", " Así, sin más."],
    "pt": ["", " kkkk", " Sério.", " #segunda", " O que vocês acham?", " Enfim."],
    "fr": ["", " mdr", " Sérieusement.", " #lundi", " Vous en pensez quoi ?", " Voilà."],
    "de": ["", " lol", " Ehrlich.", " #Montag", " Was meint ihr?", " Na ja."],
    "hi": ["", " सच में।", " #सोमवार", " आप क्या सोचते हैं?", " बस यही।", " हद है।"],
    "id": ["", " wkwk", " Serius.", " #senin", " Gimana menurut kalian?", " Ya sudahlah."],
    "sw": ["", " kweli kabisa.", " #jumatatu", " Mnaonaje?", " Basi tu.", " Haiwezekani."],
}

#: share of the posts in each language (sums to 1); Swahili is the block no rater declares
LANGUAGE_SHARES: dict[str, float] = {
    "en": 0.37,
    "es": 0.14,
    "pt": 0.10,
    "fr": 0.08,
    "de": 0.08,
    "hi": 0.06,
    "id": 0.07,
    "sw": 0.10,
}

#: where posts in each language come from (ISO 3166-1 alpha-2)
POST_COUNTRIES: dict[str, list[str]] = {
    "en": ["US", "GB", "IN", "NG", "AU", "CA", "ZA"],
    "es": ["MX", "ES", "AR", "CO"],
    "pt": ["BR", "PT"],
    "fr": ["FR", "SN", "CA"],
    "de": ["DE", "AT"],
    "hi": ["IN"],
    "id": ["ID"],
    "sw": ["KE", "TZ"],
}

#: RLHF prompts, each with four candidate responses given as (text, quality as most raters
#: see it, quality as the flipping group sees it); ``culture`` prompts carry advice
#: whose quality depends on workplace and family norms (the flipped subset): where
#: deference is expected, the casual answer most raters prefer reads as the worst one
PAIR_PROMPTS: list[dict] = [
    {
        "prompt": "How can I keep my houseplants alive while I am away for two weeks?",
        "culture": False,
        "responses": [
            (
                "Water them deeply before you leave, group them away from direct sun, and give "
                "the thirstiest ones a wick from a jar of water.",
                3,
                3,
            ),
            ("Ask a neighbour to water them once a week and move them out of the sun.", 2, 2),
            ("Plants are resilient, so they will probably be fine without any preparation.", 1, 1),
            ("Buy plastic plants instead, real ones are too much work.", 0, 0),
        ],
    },
    {
        "prompt": "Explain what inflation is to a twelve-year-old.",
        "culture": False,
        "responses": [
            (
                "Inflation means prices slowly go up, so the same pocket money buys a bit less "
                "each year than it did before.",
                3,
                3,
            ),
            ("Inflation is when the general level of prices rises across the economy.", 2, 2),
            ("It is an economics term about prices and the central bank.", 1, 1),
            ("Inflation is when you blow air into something, like a balloon or a tyre.", 0, 0),
        ],
    },
    {
        "prompt": "Write a short, friendly reminder to my team that the report is due on Friday.",
        "culture": False,
        "responses": [
            (
                "Hi all, a quick reminder that the quarterly report is due this Friday. Shout if "
                "anything is blocking you, happy to help!",
                3,
                3,
            ),
            ("Reminder: the report is due Friday. Please submit it on time.", 2, 2),
            ("The report is due Friday, as everyone should already know.", 1, 1),
            ("Why has nobody finished the report yet? It is due Friday.", 0, 0),
        ],
    },
    {
        "prompt": "What is a healthy breakfast I can make in five minutes?",
        "culture": False,
        "responses": [
            (
                "Oats soaked in milk or yoghurt with a sliced banana and a handful of nuts take "
                "three minutes and keep you full.",
                3,
                3,
            ),
            ("Whole-grain toast with peanut butter and a piece of fruit is quick.", 2, 2),
            ("Cereal is fast, just pick one you like.", 1, 1),
            ("Skip breakfast, it is the least important meal anyway.", 0, 0),
        ],
    },
    {
        "prompt": "How do I tell my landlord that the heating has been broken for a week?",
        "culture": False,
        "responses": [
            (
                "Write to them with the date the heating stopped, ask for a repair date and keep "
                "a copy of the message.",
                3,
                3,
            ),
            ("Call your landlord, explain the problem and ask when it can be fixed.", 2, 2),
            ("Wait a little longer, they might notice it themselves.", 1, 1),
            ("Stop paying rent until it is fixed.", 0, 0),
        ],
    },
    {
        "prompt": "Suggest a name for a small bakery in my neighbourhood.",
        "culture": False,
        "responses": [
            ("How about 'Corner Crumb', 'Morning Loaf' or one named after your street?", 3, 3),
            ("You could call it 'The Bread Shop'.", 2, 2),
            ("Bakery.", 1, 1),
            ("Names do not matter much, just open it.", 0, 0),
        ],
    },
    {
        "prompt": "Give me three tips for studying for an exam.",
        "culture": False,
        "responses": [
            (
                "Spread study over several short sessions, test yourself instead of rereading, "
                "and sleep well the night before.",
                3,
                3,
            ),
            ("Make a schedule, take breaks and review your notes.", 2, 2),
            ("Study hard and you will be fine.", 1, 1),
            ("Just cram everything the night before.", 0, 0),
        ],
    },
    {
        "prompt": "How should I address my new manager in my first email?",
        "culture": True,
        "responses": [
            (
                "Just use their first name, like 'Hi Sarah,' and keep it casual; most "
                "workplaces are informal these days.",
                3,
                0,
            ),
            (
                "Use their title and family name, such as 'Dear Ms. Tanaka,' until they invite "
                "you to use their first name.",
                2,
                3,
            ),
            ("Start with 'Hey' and get straight to your question.", 1, 0),
            ("It does not matter, managers do not read greetings.", 0, 0),
        ],
    },
    {
        "prompt": "What gift should I bring when a colleague invites me to a family dinner?",
        "culture": True,
        "responses": [
            (
                "Nothing fancy is needed: a bottle of wine, or offer to bring a dessert.",
                3,
                0,
            ),
            (
                "Bring a modest gift such as good fruit or sweets, offer it with both hands, and "
                "avoid anything the family might find unlucky.",
                2,
                3,
            ),
            ("A gift card is always a safe choice.", 1, 1.5),
            ("Bring whatever you have lying around at home.", 0, 0),
        ],
    },
    {
        "prompt": "How do I decline my mother-in-law's invitation to stay with her for the holidays?",
        "culture": True,
        "responses": [
            (
                "Be honest and direct: tell her you have other plans this year and that it is "
                "not personal.",
                3,
                0,
            ),
            (
                "Thank her warmly, let your spouse speak to her first, and suggest another visit "
                "so nobody loses face.",
                2,
                3,
            ),
            ("Tell her you are sick.", 1, 1),
            ("Do not reply; she will get the message.", 0, 0),
        ],
    },
    {
        "prompt": "How do I ask my professor for an extension on my essay?",
        "culture": True,
        "responses": [
            (
                "Email them directly, say you need three more days and why, and ask if that "
                "works; professors get these requests all the time.",
                3,
                0,
            ),
            (
                "Write a respectful email with a formal greeting, apologise for the trouble, "
                "explain your reason briefly and leave the decision to them.",
                2,
                3,
            ),
            ("Ask a classmate to ask for you.", 1, 1),
            ("Just hand it in late and hope nobody notices.", 0, 0),
        ],
    },
    {
        "prompt": "How should I greet my partner's parents when I meet them for the first time?",
        "culture": True,
        "responses": [
            (
                "Be yourself: a firm handshake, first names if they offer, and a joke or two "
                "to break the ice.",
                3,
                0,
            ),
            (
                "Greet them respectfully with their titles, bring a small gift, let them lead "
                "the conversation and wait to be invited before using first names.",
                2,
                3,
            ),
            ("Just say hello and follow your partner's lead.", 1, 1.5),
            ("Skip the greeting and talk about yourself, it shows confidence.", 0, 0),
        ],
    },
]
